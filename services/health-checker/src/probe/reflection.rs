//! Asks a service's server reflection (v1, else v1alpha) which services it serves and
//! what the first method of each declared service is.
use std::time::Duration;

use prost::Message;
use prost_types::FileDescriptorProto;
use tonic::transport::Channel;
use tonic::{Code, Status};

/// What reflection said: the services listed, and descriptor files per asked symbol.
#[derive(Debug, Default)]
struct Reflected {
    services: Vec<String>,
    files: Vec<Vec<Vec<u8>>>,
}

/// The path (`/package.Service/Method`) of the first method of each declared service,
/// after checking that reflection lists every one of them.
pub async fn first_methods(
    channel: Channel,
    declared: &[String],
    timeout: Duration,
) -> Result<Vec<String>, String> {
    let reflected = tokio::time::timeout(timeout, ask_either(channel, declared))
        .await
        .map_err(|_| format!("no answer within {} ms", timeout.as_millis()))?
        .map_err(|status| format!("{:?}: {}", status.code(), status.message()))?;
    let missing: Vec<&str> = declared
        .iter()
        .filter(|service| !reflected.services.contains(service))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(format!("does not list {}", missing.join(", ")));
    }
    let mut methods = Vec::new();
    for (service, files) in declared.iter().zip(&reflected.files) {
        match first_method(service, files) {
            Some(method) => methods.push(format!("/{service}/{method}")),
            None => return Err(format!("has no method descriptor for {service}")),
        }
    }
    Ok(methods)
}

async fn ask_either(channel: Channel, symbols: &[String]) -> Result<Reflected, Status> {
    match ask_v1(channel.clone(), symbols).await {
        Err(status) if status.code() == Code::Unimplemented => ask_v1alpha(channel, symbols).await,
        outcome => outcome,
    }
}

/// The first method of `service` found in the encoded descriptor files.
fn first_method(service: &str, files: &[Vec<u8>]) -> Option<String> {
    files
        .iter()
        .filter_map(|bytes| FileDescriptorProto::decode(bytes.as_slice()).ok())
        .find_map(|file| {
            let package = file.package().to_string();
            file.service.into_iter().find_map(|candidate| {
                let full_name = if package.is_empty() {
                    candidate.name().to_string()
                } else {
                    format!("{package}.{}", candidate.name())
                };
                (full_name == service)
                    .then(|| {
                        candidate
                            .method
                            .first()
                            .map(|method| method.name().to_string())
                    })
                    .flatten()
            })
        })
}

/// One reflection conversation: list the services, then fetch the file of each symbol.
/// The v1 and v1alpha protocols are identical apart from their generated types.
macro_rules! ask {
    ($function:ident, $($module:ident)::+) => {
        async fn $function(channel: Channel, symbols: &[String]) -> Result<Reflected, Status> {
            use $($module)::+::server_reflection_client::ServerReflectionClient;
            use $($module)::+::server_reflection_request::MessageRequest;
            use $($module)::+::server_reflection_response::MessageResponse;
            use $($module)::+::ServerReflectionRequest;

            let request = |message| ServerReflectionRequest {
                host: String::new(),
                message_request: Some(message),
            };
            let mut requests = vec![request(MessageRequest::ListServices(String::new()))];
            for symbol in symbols {
                requests.push(request(MessageRequest::FileContainingSymbol(symbol.clone())));
            }
            let expected = requests.len();
            let mut client = ServerReflectionClient::new(channel);
            let mut answers = client
                .server_reflection_info(tokio_stream::iter(requests))
                .await?
                .into_inner();
            let mut reflected = Reflected::default();
            for _ in 0..expected {
                let answer = answers
                    .message()
                    .await?
                    .ok_or_else(|| Status::unavailable("reflection stream ended early"))?;
                match answer.message_response {
                    Some(MessageResponse::ListServicesResponse(list)) => {
                        reflected.services = list.service.into_iter().map(|service| service.name).collect();
                    }
                    Some(MessageResponse::FileDescriptorResponse(files)) => {
                        reflected.files.push(files.file_descriptor_proto);
                    }
                    Some(MessageResponse::ErrorResponse(error)) => {
                        reflected.files.push(Vec::new());
                        tracing::debug!(code = error.error_code, message = %error.error_message, "reflection error");
                    }
                    _ => reflected.files.push(Vec::new()),
                }
            }
            Ok(reflected)
        }
    };
}

ask!(ask_v1, tonic_reflection::pb::v1);
ask!(ask_v1alpha, tonic_reflection::pb::v1alpha);

#[cfg(test)]
mod tests {
    use super::*;
    use prost_types::{MethodDescriptorProto, ServiceDescriptorProto};

    fn file(package: &str, service: &str, methods: &[&str]) -> Vec<u8> {
        FileDescriptorProto {
            package: Some(package.into()),
            service: vec![ServiceDescriptorProto {
                name: Some(service.into()),
                method: methods
                    .iter()
                    .map(|name| MethodDescriptorProto {
                        name: Some(name.to_string()),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }
        .encode_to_vec()
    }

    #[test]
    fn first_method_is_found_by_full_service_name() {
        let files = vec![
            file("quorum.other.v1", "HealthCheckerService", &["Nope"]),
            file(
                "quorum.health.v1",
                "HealthCheckerService",
                &["GetStatus", "Watch"],
            ),
        ];
        assert_eq!(
            first_method("quorum.health.v1.HealthCheckerService", &files).as_deref(),
            Some("GetStatus")
        );
        assert_eq!(first_method("quorum.health.v1.Missing", &files), None);
        assert_eq!(first_method("x.Y", &[vec![0xff, 0xff]]), None);
        let empty = vec![file("x", "Y", &[])];
        assert_eq!(first_method("x.Y", &empty), None);
    }
}
