//! The UserService called by method name with an encoded request: how the
//! JSON surface reaches the handlers. The handler is the gRPC one (the same
//! `Call`, checks, limits and log event); only the transport around it is
//! left out: the request is decoded here instead of by tonic, and the
//! deadline is set here as `layer` sets it for gRPC calls.

use std::time::Instant;

use bytes::Bytes;
use prost::Message;
use tonic::{Request, Status};

use super::{layer, Api};
use crate::gateway::{BoxFuture, Unary, UnaryCall};
use crate::pb::{self, user_service_server::UserService};

/// Decodes the request, runs the handler, encodes the answer.
macro_rules! dispatch {
    ($api:expr, $call:expr; $($name:literal => $method:ident($request:ty)),* $(,)?) => {
        match $call.method.as_str() {
            $($name => {
                let message = <$request>::decode($call.message).map_err(|e| {
                    Status::invalid_argument(format!("the request does not decode: {e}"))
                })?;
                let request = Request::from_parts($call.metadata, $call.extensions, message);
                let response = UserService::$method($api, request).await?;
                Ok(Bytes::from(response.into_inner().encode_to_vec()))
            })*
            other => Err(Status::unimplemented(format!("no method {other}"))),
        }
    };
}

impl Unary for Api {
    fn call(&self, mut call: UnaryCall) -> BoxFuture<'_, Result<Bytes, Status>> {
        Box::pin(async move {
            // As `layer` does for a gRPC call: the deadline, and a call
            // that arrives expired is answered without running.
            let arrived = Instant::now();
            let deadline = layer::deadline(arrived, call.timeout);
            call.extensions.insert(layer::Deadline(deadline));
            let expiry = layer::Expiry {
                method: call.method.clone(),
                arrived,
                request_id: call
                    .metadata
                    .get(crate::request_id::HEADER.as_str())
                    .and_then(|id| http::HeaderValue::from_bytes(id.as_bytes()).ok()),
                traceparent: call
                    .metadata
                    .get("traceparent")
                    .and_then(|id| http::HeaderValue::from_bytes(id.as_bytes()).ok()),
            };
            if Instant::now() >= deadline {
                return Err(expiry.expired());
            }
            let answer = async {
                dispatch!(self, call;
                    "CreateAccessKey" => create_access_key(pb::CreateAccessKeyRequest),
                    "ListAccessKeys" => list_access_keys(pb::GetAccessKeyRequest),
                    "DeleteAccessKey" => delete_access_key(pb::DelAccessKeyRequest),
                    "GetInfo" => get_info(pb::GetUserInfoRequest),
                    "UpdateConfig" => update_config(pb::UpdateConfigRequest),
                    "CreateUser" => create_user(pb::CreateUserRequest),
                    "DeleteUser" => delete_user(pb::DeleteUserRequest),
                    "UpdateUser" => update_user(pb::UpdateUserRequest),
                    "ListUsers" => list_users(pb::ListUsersRequest),
                    "CreateTenant" => create_tenant(pb::CreateTenantRequest),
                    "UpdateTenant" => update_tenant(pb::UpdateTenantRequest),
                    "DeleteTenant" => delete_tenant(pb::DeleteTenantRequest),
                    "ListTenants" => list_tenants(pb::ListTenantsRequest),
                    "CreateOrganization" => create_organization(pb::CreateOrganizationRequest),
                    "UpdateOrganization" => update_organization(pb::UpdateOrganizationRequest),
                    "DeleteOrganization" => delete_organization(pb::DeleteOrganizationRequest),
                    "ListOrganizations" => list_organizations(pb::ListOrganizationsRequest),
                )
            };
            match tokio::time::timeout_at(deadline.into(), answer).await {
                Ok(answer) => answer,
                Err(_) => Err(expiry.expired()),
            }
        })
    }
}
