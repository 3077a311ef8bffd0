//! The operators' HTTP endpoints: `/metrics` (Prometheus text), `/healthz` (the process runs),
//! `/readyz` (every assigned household partition is restored).

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::error::{EngineError, Result};
use crate::metrics::SharedMetrics;
use crate::shutdown::Shutdown;

/// Binds `bind` and serves until `shutdown`. Returns the bound address (port 0 picks one) and
/// the server task.
pub async fn serve(
    bind: &str,
    metrics: SharedMetrics,
    shutdown: Shutdown,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(bind)
        .await
        .map_err(|e| EngineError::Http {
            bind: bind.to_owned(),
            source: e,
        })?;
    let addr = listener.local_addr().map_err(|e| EngineError::Http {
        bind: bind.to_owned(),
        source: e,
    })?;
    let task = tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                () = shutdown.wait() => break,
                a = listener.accept() => a,
            };
            let Ok((stream, _)) = accepted else { continue };
            let metrics = metrics.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| respond(req, metrics.clone()));
                if let Err(e) = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                {
                    tracing::debug!(error = %e, "http connection");
                }
            });
        }
    });
    Ok((addr, task))
}

async fn respond(
    req: Request<Incoming>,
    metrics: SharedMetrics,
) -> std::result::Result<Response<Full<Bytes>>, Infallible> {
    let (status, content_type, body) = match (req.method(), req.uri().path()) {
        (&Method::GET, "/metrics") => (
            StatusCode::OK,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            metrics.encode(),
        ),
        (&Method::GET, "/healthz") => (StatusCode::OK, "text/plain", "ok\n".to_owned()),
        (&Method::GET, "/readyz") if metrics.is_ready() => {
            (StatusCode::OK, "text/plain", "ready\n".to_owned())
        }
        (&Method::GET, "/readyz") => (
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain",
            "restoring\n".to_owned(),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain",
            "not found\n".to_owned(),
        ),
    };
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    if let Ok(v) = content_type.parse() {
        resp.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    Ok(resp)
}
