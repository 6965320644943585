//! The durable flows' handlers that services call, typed. A service that starts or signals a
//! flow (`Admin/cancel_booking` cancels a booking) names it through these descriptors, never by
//! a string literal and without depending on the crate that implements the flow: both sides
//! depend on this crate, and a test in the flow's crate checks that its registered names match.

use crate::{CancelRequest, CancelResult};
use restate_sdk::context::{ContextClient, Request, RequestTarget};
use restate_sdk::serde::Json;
use std::marker::PhantomData;

/// One handler of a workflow, with the JSON types it takes and answers.
pub struct WorkflowCall<Req, Res> {
    pub service: &'static str,
    pub handler: &'static str,
    types: PhantomData<fn(Req) -> Res>,
}

impl<Req, Res> WorkflowCall<Req, Res> {
    pub const fn new(service: &'static str, handler: &'static str) -> Self {
        WorkflowCall {
            service,
            handler,
            types: PhantomData,
        }
    }

    /// Where the call goes: this handler of the workflow instance `key`.
    pub fn target(&self, key: impl Into<String>) -> RequestTarget {
        RequestTarget::workflow(self.service, key, self.handler)
    }

    /// The request, ready for `.call()` or `.send()`, typed by this descriptor.
    pub fn request<'ctx>(
        &self,
        ctx: &impl ContextClient<'ctx>,
        key: impl Into<String>,
        req: Req,
    ) -> Request<'ctx, Json<Req>, Json<Res>> {
        ctx.request(self.target(key), Json(req))
    }
}

/// The `Booking` workflow (the booking saga), keyed by the booking id.
pub mod booking {
    use super::*;

    /// The workflow's service name.
    pub const SERVICE: &str = "Booking";

    /// `Booking/{id}/admin_cancel` (internal): cancel with a full refund, answered once the
    /// booking has settled.
    pub const ADMIN_CANCEL: WorkflowCall<CancelRequest, CancelResult> =
        WorkflowCall::new(SERVICE, "admin_cancel");
}
