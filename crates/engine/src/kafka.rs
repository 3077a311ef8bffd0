//! Client settings shared by every command that talks to a broker.

use std::collections::BTreeMap;

use rdkafka::ClientConfig;

/// Where the brokers are and any extra librdkafka properties (TLS/SASL later).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientSettings {
    /// `HOST:PORT[,HOST:PORT..]`.
    pub brokers: String,
    /// Extra librdkafka properties, applied last.
    pub extra: BTreeMap<String, String>,
}

impl ClientSettings {
    /// Settings for these brokers.
    pub fn new(brokers: impl Into<String>) -> Self {
        ClientSettings {
            brokers: brokers.into(),
            extra: BTreeMap::new(),
        }
    }

    /// A librdkafka client configuration with the brokers and extras set.
    pub fn client_config(&self) -> ClientConfig {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &self.brokers);
        for (k, v) in &self.extra {
            c.set(k, v);
        }
        c
    }
}
