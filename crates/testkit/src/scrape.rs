//! A Prometheus text exposition (`/metrics`, or `Metrics::encode`), parsed for assertions.

use std::collections::BTreeMap;

/// A `/metrics` scrape: `name{labels}` → value.
#[derive(Debug, Default, Clone)]
pub struct Scrape {
    /// The exposition as scraped.
    pub text: String,
    /// Every sample.
    pub samples: BTreeMap<String, f64>,
}

impl Scrape {
    /// Parses an exposition (comment lines and unparsable values are skipped).
    pub fn parse(text: &str) -> Scrape {
        let samples = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let (k, v) = l.rsplit_once(' ')?;
                Some((k.to_owned(), v.parse().ok()?))
            })
            .collect();
        Scrape {
            text: text.to_owned(),
            samples,
        }
    }

    /// Whether anything was scraped.
    pub fn is_up(&self) -> bool {
        !self.samples.is_empty()
    }

    /// Sum over every sample of `name` whose labels contain all of `labels` (`k="v"` pieces).
    pub fn sum(&self, name: &str, labels: &[&str]) -> f64 {
        self.samples
            .iter()
            .filter(|(k, _)| {
                let (n, l) = k.split_once('{').unwrap_or((k.as_str(), ""));
                n == name && labels.iter().all(|want| l.contains(want))
            })
            .map(|(_, v)| v)
            .sum()
    }

    /// Every labelled sample of `name` as (labels, value).
    pub fn family(&self, name: &str) -> Vec<(String, f64)> {
        self.samples
            .iter()
            .filter_map(|(k, v)| {
                let (n, l) = k.split_once('{')?;
                (n == name).then(|| (l.trim_end_matches('}').to_owned(), *v))
            })
            .collect()
    }

    /// `vroegsignaal_committed_records_total` of one stage.
    pub fn committed(&self, stage: &str) -> f64 {
        self.sum(
            "vroegsignaal_committed_records_total",
            &[&format!("stage=\"{stage}\"")],
        )
    }

    /// Partitions the household stage holds.
    pub fn households_assigned(&self) -> f64 {
        self.sum(
            "vroegsignaal_partitions_assigned",
            &["stage=\"households\""],
        )
    }

    /// Every task sent.
    pub fn tasks(&self) -> f64 {
        self.sum("vroegsignaal_tasks_total", &[])
    }
}
