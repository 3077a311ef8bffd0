//! The HTTP endpoints: /metrics in Prometheus text, /healthz, /readyz after restore.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::http_get;
use vroeg_engine::{Metrics, Shutdown};

#[tokio::test]
async fn endpoints_answer() {
    let m = Arc::new(Metrics::new());
    let stop = Shutdown::new();
    let (addr, task) = vroeg_engine::http::serve("127.0.0.1:0", m.clone(), stop.clone())
        .await
        .unwrap();
    let metrics = http_get(addr, "/metrics").await;
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    assert!(
        metrics.contains("vroegsignaal_state_households"),
        "{metrics}"
    );
    assert!(http_get(addr, "/healthz").await.starts_with("HTTP/1.1 200"));
    assert!(http_get(addr, "/readyz").await.starts_with("HTTP/1.1 503"));
    assert!(http_get(addr, "/nope").await.starts_with("HTTP/1.1 404"));
    stop.trigger();
    task.await.unwrap();
}
