//! The `roster.v1.UserService` handlers.
//!
//! Invariant: this is the only module that knows the generated proto types
//! and tonic's request/response types; it never touches the store directly.
//! Every handler has one shape: open a `Call`, authenticate, convert the
//! request, call the [`Directory`], convert the answer back, and let
//! `Call::finish` map the error and write the one log event of the call.

mod call;
pub mod convert;
pub mod layer;
pub mod listing;
pub mod quota;
mod status;
mod unary;
pub mod wire;

use std::sync::{Arc, RwLock};

use tokio::sync::Semaphore;
use tonic::{Request, Response, Status};

use crate::directory::Directory;
use crate::domain::{validate::non_empty, PageRequest};
use crate::metrics::Calls;
use crate::pb::{self, user_service_server::UserService};
use call::Call;
use convert::{json_to_struct, mask_paths, required, struct_to_json};
pub use layer::{CallLayer, Deadline};
pub use status::ERROR_DOMAIN;

/// What the handlers share with the server around them.
pub struct State {
    /// Set once the store is open and bootstrapped, taken away at shutdown;
    /// calls without it are UNAVAILABLE.
    pub directory: RwLock<Option<Arc<Directory>>>,
    /// One permit per call in flight; none left means RESOURCE_EXHAUSTED.
    pub in_flight: Arc<Semaphore>,
    /// The number of permits.
    max_in_flight: usize,
    /// Per-organization limits (none by default).
    pub quotas: quota::Quotas,
    /// The per-call metrics, with `--metrics-listen`.
    pub calls: Option<Arc<Calls>>,
    /// The tracer of the calls' spans, when exporting traces.
    pub tracer: Option<opentelemetry_sdk::trace::SdkTracer>,
}

impl State {
    /// A state with no directory yet and room for `max_in_flight` calls.
    pub fn new(max_in_flight: usize) -> Self {
        State {
            directory: RwLock::new(None),
            in_flight: Arc::new(Semaphore::new(max_in_flight)),
            max_in_flight,
            quotas: quota::Quotas::default(),
            calls: None,
            tracer: None,
        }
    }

    /// The same, with per-organization limits.
    pub fn with_quotas(self, quotas: quota::Quotas) -> Self {
        State { quotas, ..self }
    }

    /// The same, recording every call in `calls`.
    pub fn with_calls(self, calls: Option<Arc<Calls>>) -> Self {
        State { calls, ..self }
    }

    /// The same, with the calls' spans started by `tracer`.
    pub fn with_tracer(self, tracer: Option<opentelemetry_sdk::trace::SdkTracer>) -> Self {
        State { tracer, ..self }
    }

    /// Calls in flight now (each holds a permit while it runs).
    pub fn calls_in_flight(&self) -> usize {
        self.max_in_flight
            .saturating_sub(self.in_flight.available_permits())
    }
}

/// The UserService implementation.
pub struct Api {
    state: Arc<State>,
}

impl Api {
    /// Handlers over `state`.
    pub fn new(state: Arc<State>) -> Self {
        Api { state }
    }
}

#[tonic::async_trait]
impl UserService for Api {
    async fn create_access_key(
        &self,
        req: Request<pb::CreateAccessKeyRequest>,
    ) -> Result<Response<pb::GetAccessKeyResponse>, Status> {
        let (call, msg) = Call::begin(&self.state, "CreateAccessKey", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let pb::CreateAccessKeyRequest { name } = msg;
                let (key, secret) = dir.create_access_key(&who, name, call.deadline).await?;
                let mut shown = pb::AccessKey::from(key);
                // The one place a secret leaves the server.
                shown.access_key = secret.expose().to_owned();
                Ok(pb::GetAccessKeyResponse {
                    access_keys: vec![shown],
                    next_page_token: String::new(),
                })
            })
            .await;
        call.finish(result)
    }

    async fn list_access_keys(
        &self,
        req: Request<pb::GetAccessKeyRequest>,
    ) -> Result<Response<pb::GetAccessKeyResponse>, Status> {
        let (call, msg) = Call::begin(&self.state, "ListAccessKeys", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let pb::GetAccessKeyRequest {
                    page_size,
                    page_token,
                } = msg;
                let page = dir
                    .list_access_keys(&who, PageRequest::parse(page_size, &page_token)?)
                    .await?;
                Ok(pb::GetAccessKeyResponse {
                    access_keys: page.items.into_iter().map(Into::into).collect(),
                    next_page_token: page.next_token,
                })
            })
            .await;
        call.finish(result)
    }

    async fn delete_access_key(
        &self,
        req: Request<pb::DelAccessKeyRequest>,
    ) -> Result<Response<pb::DelAccessKeyResponse>, Status> {
        let (call, msg) = Call::begin(&self.state, "DeleteAccessKey", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let pb::DelAccessKeyRequest {
                    names,
                    allow_missing,
                } = msg;
                dir.delete_access_keys(&who, names, allow_missing, call.deadline)
                    .await?;
                Ok(pb::DelAccessKeyResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn get_info(
        &self,
        req: Request<pb::GetUserInfoRequest>,
    ) -> Result<Response<wire::GetUserInfoResponse>, Status> {
        let (call, pb::GetUserInfoRequest {}) = Call::begin(&self.state, "GetInfo", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let caller = dir.info(&who).await?;
                Ok(wire::GetUserInfoResponse::encoded(
                    caller.info.get_or_init(|| info(&caller)).clone(),
                ))
            })
            .await;
        call.finish(result)
    }

    async fn update_config(
        &self,
        req: Request<pb::UpdateConfigRequest>,
    ) -> Result<Response<pb::UpdateConfigResponse>, Status> {
        let (call, msg) = Call::begin(&self.state, "UpdateConfig", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let pb::UpdateConfigRequest { updated, deleted } = msg;
                let updated = struct_to_json("updated", updated)?;
                let configs = dir
                    .update_config(&who, updated, deleted, call.deadline)
                    .await?;
                Ok(pb::UpdateConfigResponse {
                    configs: Some(json_to_struct(configs)),
                })
            })
            .await;
        call.finish(result)
    }

    async fn create_user(
        &self,
        req: Request<pb::CreateUserRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = Call::begin(&self.state, "CreateUser", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let pb::CreateUserRequest { user } = msg;
                let user = required("user", user)?.try_into()?;
                dir.create_user(&who, user, call.deadline).await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn delete_user(
        &self,
        req: Request<pb::DeleteUserRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = Call::begin(&self.state, "DeleteUser", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let pb::DeleteUserRequest { id } = msg;
                dir.delete_user(&who, id, call.deadline).await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn update_user(
        &self,
        req: Request<pb::UpdateUserRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = Call::begin(&self.state, "UpdateUser", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let pb::UpdateUserRequest { user, update_mask } = msg;
                let user = required("user", user)?.try_into()?;
                dir.update_user(&who, user, &mask_paths(update_mask), call.deadline)
                    .await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn list_users(
        &self,
        req: Request<pb::ListUsersRequest>,
    ) -> Result<Response<wire::ListUsersResponse>, Status> {
        let (call, msg) = Call::begin(&self.state, "ListUsers", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let pb::ListUsersRequest {
                    lookup_org_id,
                    page_size,
                    page_token,
                    lookup_tenant_id,
                    lookup_user_id,
                    id_prefix,
                } = msg;
                let page = PageRequest::parse(page_size, &page_token)?.with_prefix(&id_prefix)?;
                let page = dir
                    .list_users(
                        &who,
                        non_empty(&lookup_org_id),
                        non_empty(&lookup_tenant_id),
                        non_empty(&lookup_user_id),
                        page,
                    )
                    .await?;
                Ok(wire::ListUsersResponse {
                    users: vec![],
                    listed: page.users,
                    next_page_token: page.next_token,
                })
            })
            .await;
        call.finish(result)
    }

    async fn create_tenant(
        &self,
        req: Request<pb::CreateTenantRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = Call::begin(&self.state, "CreateTenant", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let pb::CreateTenantRequest { tenant } = msg;
                let tenant = required("tenant", tenant)?.try_into()?;
                dir.create_tenant(&who, tenant, call.deadline).await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn update_tenant(
        &self,
        req: Request<pb::UpdateTenantRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = Call::begin(&self.state, "UpdateTenant", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let pb::UpdateTenantRequest {
                    tenant,
                    update_mask,
                } = msg;
                let tenant = required("tenant", tenant)?.try_into()?;
                dir.update_tenant(&who, tenant, &mask_paths(update_mask), call.deadline)
                    .await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn delete_tenant(
        &self,
        req: Request<pb::DeleteTenantRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = Call::begin(&self.state, "DeleteTenant", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let pb::DeleteTenantRequest { id } = msg;
                dir.delete_tenant(&who, id, call.deadline).await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn list_tenants(
        &self,
        req: Request<pb::ListTenantsRequest>,
    ) -> Result<Response<pb::ListTenantsResponse>, Status> {
        let (call, msg) = Call::begin(&self.state, "ListTenants", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let pb::ListTenantsRequest {
                    lookup_org_id,
                    page_size,
                    page_token,
                    id_prefix,
                } = msg;
                let page = PageRequest::parse(page_size, &page_token)?.with_prefix(&id_prefix)?;
                let page = dir
                    .list_tenants(&who, non_empty(&lookup_org_id), page)
                    .await?;
                Ok(pb::ListTenantsResponse {
                    tenants: page.items.into_iter().map(Into::into).collect(),
                    next_page_token: page.next_token,
                })
            })
            .await;
        call.finish(result)
    }

    async fn create_organization(
        &self,
        req: Request<pb::CreateOrganizationRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = Call::begin(&self.state, "CreateOrganization", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let pb::CreateOrganizationRequest { organization } = msg;
                let org = required("organization", organization)?.try_into()?;
                dir.create_org(&who, org, call.deadline).await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn update_organization(
        &self,
        req: Request<pb::UpdateOrganizationRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = Call::begin(&self.state, "UpdateOrganization", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let pb::UpdateOrganizationRequest {
                    organization,
                    update_mask,
                } = msg;
                let org = required("organization", organization)?.try_into()?;
                dir.update_org(&who, org, &mask_paths(update_mask), call.deadline)
                    .await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn delete_organization(
        &self,
        req: Request<pb::DeleteOrganizationRequest>,
    ) -> Result<Response<pb::CommonResponse>, Status> {
        let (call, msg) = Call::begin(&self.state, "DeleteOrganization", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let pb::DeleteOrganizationRequest { id } = msg;
                dir.delete_org(&who, id, call.deadline).await?;
                Ok(pb::CommonResponse {})
            })
            .await;
        call.finish(result)
    }

    async fn list_organizations(
        &self,
        req: Request<pb::ListOrganizationsRequest>,
    ) -> Result<Response<pb::ListOrganizationsResponse>, Status> {
        let (call, msg) = Call::begin(&self.state, "ListOrganizations", req);
        let result = call
            .run(async {
                let (dir, who) = call.caller().await?;
                let pb::ListOrganizationsRequest {
                    page_size,
                    page_token,
                    id_prefix,
                } = msg;
                let page = PageRequest::parse(page_size, &page_token)?.with_prefix(&id_prefix)?;
                let page = dir.list_orgs(&who, page).await?;
                Ok(pb::ListOrganizationsResponse {
                    organizations: page.items.into_iter().map(Into::into).collect(),
                    next_page_token: page.next_token,
                })
            })
            .await;
        call.finish(result)
    }
}

/// GetInfo's answer for `caller`, encoded (kept in `Caller::info`).
fn info(caller: &crate::auth::Caller) -> bytes::Bytes {
    let user = &caller.user;
    wire::GetUserInfoResponse::encode_fields(&wire::GetUserInfoResponse {
        id: user.id.clone(),
        name: user.name.clone(),
        email: user.email.clone(),
        roles: user.roles.clone(),
        permissions: caller
            .permissions
            .iter()
            .map(|p| p.as_str().into())
            .collect(),
        grantable_roles: caller
            .grantable_roles()
            .map(|r| r.as_str().into())
            .collect(),
        encoded: bytes::Bytes::new(),
    })
}
