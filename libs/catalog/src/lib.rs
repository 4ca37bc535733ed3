//! The Quorum service catalog: parses and validates `services/catalog.toml`, answers
//! run-time questions (where is a service, who depends on it) and generates the compose
//! and Kubernetes files from it.

mod catalog;
pub mod compose;
pub mod docs;
mod error;
pub mod generate;
pub mod k8s;
mod model;
pub mod validate;
pub mod yaml;

pub use catalog::{CATALOG_PATH_ENV, CATALOG_TOML, Catalog};
pub use error::CatalogError;
pub use model::{Category, Resources, ServiceEntry, address_env_var};

/// First line of every generated file.
pub const GENERATED_HEADER: &str = "# Generated from services/catalog.toml by `cargo run -p quorum-catalog -- generate`. Do not edit.";

/// The Postgres port inside the deployment network.
/// The one image every service runs from, without its tag.
pub const IMAGE_NAME: &str = "quorum/quorum";
pub const POSTGRES_PORT: u16 = 5432;
/// The Redis port inside the deployment network.
pub const REDIS_PORT: u16 = 6379;
