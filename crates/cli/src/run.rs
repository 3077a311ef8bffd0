//! `vroegsignaal run`: the service. Creates missing topics, runs the ingest and household stages,
//! serves `/metrics`, `/healthz`, `/readyz`, and stops gracefully on SIGTERM/SIGINT.
//!
//! Topics: the fixed ones (inputs, internal, audit, rejected) and one `outreach.<gemeentecode>`
//! per *connected* municipality plus one `creditor-status.<id>` per registered creditor are
//! created up front, so a municipality can subscribe before its first task, and so is each
//! connected municipality's reporting store `report.<gemeentecode>` (`compact,delete`,
//! `report.retention_days`). Any other output
//! topic (an unregistered creditor's status when the registry allows those) is created lazily by
//! the household stage before its first record.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use vroeg_engine::stage::TopicSpec;
use vroeg_engine::{
    AdminCreator, Metrics, RuleData, Shutdown, StageConfig, SystemClock, spawn_households,
    spawn_ingest,
};

use crate::config::{AppConfig, KeySource};

/// The rules' inputs, owned, for the engine.
pub fn rule_data(cfg: &AppConfig) -> Arc<RuleData> {
    // Shared, not copied: the routing tables alone can be millions of addresses.
    Arc::clone(&cfg.data)
}

/// The stage settings from `[kafka]` (brokers, `[kafka.client]`, prefix) and `[engine]`.
pub fn stage_config(cfg: &AppConfig) -> StageConfig {
    let f = &cfg.settings.file;
    let e = &f.engine;
    let instance = if e.instance_id.is_empty() {
        std::env::var("HOSTNAME").unwrap_or_else(|_| "vroegsignaal-1".to_owned())
    } else {
        e.instance_id.clone()
    };
    StageConfig::from_settings(f.kafka.client_settings(), f.kafka.topics(), instance, e)
}

/// Every topic `run` makes sure of at start.
pub fn topic_specs(cfg: &AppConfig) -> Vec<TopicSpec> {
    let f = &cfg.settings.file;
    let t = f.kafka.topics();
    let p = i32::try_from(f.kafka.partitions).unwrap_or(i32::MAX);
    let small = i32::try_from(f.engine.outreach_partitions.max(1)).unwrap_or(1);
    let spec = |name: String, partitions: i32, compact: bool| TopicSpec {
        name,
        partitions,
        compact,
        retention_ms: None,
    };
    let report_retention_ms = i64::from(f.report.retention_days.max(1)) * 24 * 60 * 60 * 1000;
    let mut specs = vec![
        spec(t.arrears(), p, false),
        spec(t.objections(), p, false),
        spec(t.feedback(), p, false),
        spec(t.households(), p, false),
        spec(t.state(), p, true),
        spec(t.audit(), p, false),
        spec(t.rejected(), p, false),
    ];
    for m in cfg
        .data
        .municipalities
        .by_code
        .values()
        .filter(|m| m.connected)
    {
        specs.push(spec(t.outreach(m.code), small, false));
        // The reporting store: latest record per key, nothing older than the retention.
        specs.push(TopicSpec {
            retention_ms: Some(report_retention_ms),
            ..spec(t.report(m.code), small, true)
        });
    }
    for id in cfg.data.creditors.by_id.keys() {
        specs.push(spec(t.creditor_status(id), small, false));
    }
    specs
}

/// Runs until SIGTERM/SIGINT or a stage fails.
pub fn run(cfg: &AppConfig) -> Result<()> {
    if cfg.key_source == KeySource::Development {
        bail!("run needs a real pseudonymisation key");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(cfg, runtime.handle().clone()))
}

async fn serve(cfg: &AppConfig, handle: tokio::runtime::Handle) -> Result<()> {
    let f = &cfg.settings.file;
    let stage = stage_config(cfg);
    let small = i32::try_from(f.engine.outreach_partitions.max(1)).unwrap_or(1);
    let creator = Arc::new(AdminCreator::new(&stage.client, handle, small)?);
    let created = creator
        .create(&topic_specs(cfg))
        .await
        .context("creating topics")?;
    tracing::info!(created = created.len(), "topics ensured");

    let metrics = Arc::new(Metrics::new());
    let http_stop = Shutdown::new();
    let (addr, http) =
        vroeg_engine::http::serve(&f.engine.http_bind, metrics.clone(), http_stop.clone()).await?;
    tracing::info!(%addr, "http endpoints up");

    let rules = rule_data(cfg);
    let clock = Arc::new(SystemClock);
    let ingest = spawn_ingest(stage.clone(), rules.clone(), clock.clone(), metrics.clone())?;
    let households = spawn_households(stage, rules, clock, metrics, creator)?;

    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing the SIGTERM handler")?;
    let reason = loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break "SIGINT",
            _ = sigterm.recv() => break "SIGTERM",
            () = tokio::time::sleep(Duration::from_millis(500)) => {
                if ingest.is_finished() || households.is_finished() {
                    break "a stage stopped";
                }
            }
        }
    };
    tracing::info!(reason, "shutting down");
    let limit = Duration::from_secs(f.engine.shutdown_timeout_secs.max(1));
    let started = Instant::now();
    ingest.request_stop();
    households.request_stop();
    let joined = tokio::time::timeout(
        limit,
        tokio::task::spawn_blocking(move || (ingest.join(), households.join())),
    )
    .await;
    http_stop.trigger();
    let _ = http.await;
    match joined {
        Err(_) => bail!("graceful shutdown exceeded {} s", limit.as_secs()),
        Ok(Err(e)) => bail!("shutdown: {e}"),
        Ok(Ok((i, h))) => {
            tracing::info!(ms = started.elapsed().as_millis() as u64, "stopped");
            i.context("ingest stage")?;
            h.context("household stage")?;
            if reason == "a stage stopped" {
                bail!("a stage stopped unexpectedly");
            }
            Ok(())
        }
    }
}
