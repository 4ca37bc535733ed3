//! Errors raised while loading or validating the service catalog.

use thiserror::Error;

/// Everything that can be wrong with a catalog; each message names the service and the problem.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CatalogError {
    #[error("cannot read catalog file {path}: {message}")]
    Io { path: String, message: String },
    #[error("catalog is not valid TOML for the catalog schema: {0}")]
    Parse(String),
    #[error("service name {0:?} appears more than once")]
    DuplicateName(String),
    #[error("service name {0:?} is not lowercase kebab-case (a-z, 0-9, single dashes)")]
    InvalidName(String),
    #[error("service {service}: grpc_port {port} is outside 50101..=50199")]
    GrpcPortOutOfRange { service: String, port: u16 },
    #[error("service {service}: admin_port {port} is outside 51101..=51199")]
    AdminPortOutOfRange { service: String, port: u16 },
    #[error("port {port} is used by both {first} and {second}")]
    PortClash {
        port: u16,
        first: String,
        second: String,
    },
    #[error("service {service}: dependency {dependency:?} is not a catalog service")]
    UnknownDependency { service: String, dependency: String },
    #[error("service {0} depends on itself")]
    SelfDependency(String),
    #[error("cycle among hard dependencies: {}", .0.join(" -> "))]
    HardDependencyCycle(Vec<String>),
    #[error(
        "implemented service {service} has a hard dependency on {dependency}, which is not implemented"
    )]
    UnimplementedHardDependency { service: String, dependency: String },
    #[error("service {0} lists no grpc_services")]
    NoGrpcService(String),
    #[error(
        "service {service}: env {name:?} must be an UPPER_SNAKE_CASE name with a default free of '$', '{{' and '}}'"
    )]
    InvalidEnv { service: String, name: String },
    #[error("service {service}: {field} = {value:?} is not a valid quantity")]
    InvalidResource {
        service: String,
        field: &'static str,
        value: String,
    },
}
