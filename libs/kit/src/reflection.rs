//! The client side of server reflection: which gRPC services a server says it serves.
use tonic::Status;
use tonic::transport::Channel;
use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;

/// Service names listed by reflection v1alpha (the version grpcurl uses).
pub async fn list_services(channel: Channel) -> Result<Vec<String>, Status> {
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut replies = ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::iter([request]))
        .await?
        .into_inner();
    let reply = replies
        .message()
        .await?
        .ok_or_else(|| Status::unavailable("reflection stream ended without an answer"))?;
    match reply.message_response {
        Some(MessageResponse::ListServicesResponse(listed)) => Ok(listed
            .service
            .into_iter()
            .map(|service| service.name)
            .collect()),
        Some(MessageResponse::ErrorResponse(error)) => Err(Status::new(
            tonic::Code::from_i32(error.error_code),
            error.error_message,
        )),
        _ => Err(Status::internal(
            "reflection answered something other than a service list",
        )),
    }
}

/// Full method paths (`/package.Service/Method`) of a service, from the descriptor its
/// server returns by reflection.
pub async fn service_methods(channel: Channel, service: &str) -> Result<Vec<String>, Status> {
    use prost::Message;
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::FileContainingSymbol(service.to_string())),
    };
    let mut replies = ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::iter([request]))
        .await?
        .into_inner();
    let reply = replies
        .message()
        .await?
        .ok_or_else(|| Status::unavailable("reflection stream ended without an answer"))?;
    let files = match reply.message_response {
        Some(MessageResponse::FileDescriptorResponse(files)) => files.file_descriptor_proto,
        Some(MessageResponse::ErrorResponse(error)) => {
            return Err(Status::new(
                tonic::Code::from_i32(error.error_code),
                error.error_message,
            ));
        }
        _ => {
            return Err(Status::internal(
                "reflection answered something other than descriptors",
            ));
        }
    };
    let mut methods = Vec::new();
    for bytes in files {
        let file = prost_types::FileDescriptorProto::decode(bytes.as_slice()).map_err(|error| {
            Status::internal(format!("bad descriptor from reflection: {error}"))
        })?;
        let package = file.package.clone().unwrap_or_default();
        for declared in &file.service {
            let name = declared.name.clone().unwrap_or_default();
            let full = if package.is_empty() {
                name
            } else {
                format!("{package}.{name}")
            };
            if full == service {
                methods.extend(
                    declared.method.iter().map(|method| {
                        format!("/{full}/{}", method.name.clone().unwrap_or_default())
                    }),
                );
            }
        }
    }
    Ok(methods)
}

/// Calls a unary method with an empty message and no token; returns the status code
/// (OK included). Contract checks use it to see that the auth layer is in front.
pub async fn call_empty(channel: Channel, path: &str) -> Result<tonic::Code, Status> {
    let path = http::uri::PathAndQuery::try_from(path)
        .map_err(|error| Status::invalid_argument(format!("bad method path {path}: {error}")))?;
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|error| Status::unavailable(format!("not ready: {error}")))?;
    let codec = tonic_prost::ProstCodec::<(), ()>::default();
    match grpc.unary(tonic::Request::new(()), path, codec).await {
        Ok(_) => Ok(tonic::Code::Ok),
        Err(status) => Ok(status.code()),
    }
}
