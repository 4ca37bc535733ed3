//! The Quorum service kit: everything a service needs besides its own logic.
//!
//! A service is a library with a name and a start function that builds its handlers into
//! a [`Service`]; a [`ServiceDef`] pairs the two so the `quorum` binary can run it. The
//! kit brings typed config from the environment (with `--help`, exit 64 on bad values),
//! the gRPC server with health, reflection (v1 and v1alpha), request ids, RED metrics,
//! deadlines, load shedding and JWT auth, JSON logs and OTLP traces, the admin HTTP port,
//! graceful shutdown, the `healthcheck` subcommand, and named clients for calling other
//! services.
pub mod admin;
pub mod auth;
pub mod client;
pub mod config;
pub mod errors;
pub mod healthcheck;
mod kit;
pub mod launch;
pub mod layers;
pub mod metrics;
pub mod peers;
pub mod reflection;
pub mod server;
pub mod telemetry;

pub use config::{ConfigError, KitConfig};
pub use kit::Kit;
pub use launch::{ServiceDef, Starter};
pub use server::{Listeners, Service, serve};

/// Re-exported so services name the same versions as the kit.
pub use anyhow;
pub use clap;
pub use tokio_util::sync::CancellationToken;
