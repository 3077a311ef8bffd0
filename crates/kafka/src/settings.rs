//! Client settings shared by every command that talks to a broker.

use std::collections::BTreeMap;

use rdkafka::ClientConfig;

/// Where the brokers are and extra librdkafka properties (TLS, SASL, timeouts: the config's
/// `[kafka.client]` table), applied to every client the pipeline and its commands create.
///
/// The extra values may be secrets (`sasl.password`, `ssl.key.password`): `Debug` shows only
/// their names, and nothing in vroegsignaal logs them.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ClientSettings {
    /// `HOST:PORT[,HOST:PORT..]`.
    pub brokers: String,
    /// Extra librdkafka properties, applied last (they win over vroegsignaal's own settings).
    pub extra: BTreeMap<String, String>,
}

impl std::fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSettings")
            .field("brokers", &self.brokers)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ClientSettings {
    /// Settings for these brokers.
    pub fn new(brokers: impl Into<String>) -> Self {
        ClientSettings {
            brokers: brokers.into(),
            extra: BTreeMap::new(),
        }
    }

    /// These settings with extra librdkafka properties.
    pub fn with_extra(mut self, extra: BTreeMap<String, String>) -> Self {
        self.extra = extra;
        self
    }

    /// A librdkafka client configuration with the brokers and extras set. A caller that sets
    /// properties of its own afterwards calls [`ClientSettings::apply_extra`] last, so the
    /// operator's extras still win.
    pub fn client_config(&self) -> ClientConfig {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &self.brokers);
        self.apply_extra(&mut c);
        c
    }

    /// Sets the extra properties on `config` (again), over whatever it holds.
    pub fn apply_extra(&self, config: &mut ClientConfig) {
        for (k, v) in &self.extra {
            config.set(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extras_win_and_their_values_are_not_shown() {
        let mut extra = BTreeMap::new();
        extra.insert("sasl.password".to_owned(), "s3cret".to_owned());
        extra.insert("linger.ms".to_owned(), "7".to_owned());
        let s = ClientSettings::new("b:9092").with_extra(extra);
        let mut c = s.client_config();
        c.set("linger.ms", "20");
        s.apply_extra(&mut c);
        assert_eq!(c.get("linger.ms"), Some("7"));
        assert_eq!(c.get("bootstrap.servers"), Some("b:9092"));
        let shown = format!("{s:?}");
        assert!(
            shown.contains("sasl.password") && !shown.contains("s3cret"),
            "{shown}"
        );
    }
}
