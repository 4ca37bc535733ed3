//! Asks a service's server reflection which services it serves and what the first
//! method of each declared service is.
use std::time::Duration;

use tonic::transport::Channel;

/// The path (`/package.Service/Method`) of the first method of each declared service,
/// after checking that reflection lists every one of them.
pub async fn first_methods(
    channel: Channel,
    declared: &[String],
    timeout: Duration,
) -> Result<Vec<String>, String> {
    tokio::time::timeout(timeout, ask(channel, declared))
        .await
        .map_err(|_| format!("no answer within {} ms", timeout.as_millis()))?
}

async fn ask(channel: Channel, declared: &[String]) -> Result<Vec<String>, String> {
    let describe = |status: tonic::Status| format!("{:?}: {}", status.code(), status.message());
    let listed = quorum_kit::reflection::list_services(channel.clone())
        .await
        .map_err(describe)?;
    let missing: Vec<&str> = declared
        .iter()
        .filter(|service| !listed.contains(service))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(format!("does not list {}", missing.join(", ")));
    }
    let mut methods = Vec::new();
    for service in declared {
        let found = quorum_kit::reflection::service_methods(channel.clone(), service)
            .await
            .map_err(describe)?;
        let first = found
            .into_iter()
            .next()
            .ok_or_else(|| format!("has no method descriptor for {service}"))?;
        methods.push(first);
    }
    Ok(methods)
}
