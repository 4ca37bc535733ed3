//! The one binary that holds every Quorum service. Each service stays a library with its
//! `SERVICE` name and `start` function; this crate lists them ([`registry`]), runs one
//! by name or every one of them in one process ([`all`]), and answers `list` and
//! `healthcheck` ([`cli`]). One release build links them once, and one image carries
//! them all: compose and Kubernetes choose the service with the container's argument.
pub mod all;
pub mod cli;
pub mod registry;
