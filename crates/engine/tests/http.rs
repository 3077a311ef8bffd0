//! The HTTP endpoints: /metrics in Prometheus text, /healthz, /readyz after restore.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vroeg_engine::{Metrics, Shutdown};

async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test]
async fn endpoints_answer() {
    let m = Arc::new(Metrics::new());
    let stop = Shutdown::new();
    let (addr, task) = vroeg_engine::http::serve("127.0.0.1:0", m.clone(), stop.clone())
        .await
        .unwrap();
    let metrics = get(addr, "/metrics").await;
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    assert!(
        metrics.contains("vroegsignaal_state_households"),
        "{metrics}"
    );
    assert!(get(addr, "/healthz").await.starts_with("HTTP/1.1 200"));
    assert!(get(addr, "/readyz").await.starts_with("HTTP/1.1 503"));
    assert!(get(addr, "/nope").await.starts_with("HTTP/1.1 404"));
    stop.trigger();
    task.await.unwrap();
}
