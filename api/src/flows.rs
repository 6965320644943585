//! The durable flows' handlers that services call, typed. A service that starts or signals a
//! flow (`Admin/cancel_booking` cancels a booking) names it through these descriptors, never by
//! a string literal and without depending on the crate that implements the flow: both sides
//! depend on this crate, and a test in the flow's crate checks that its registered names match.

use crate::{CancelRequest, CancelResult, ClosureResult, ClosureStart, DeletionResult, Empty};
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

    /// `Booking/{id}/admin_cancel` (internal): a cancel decided on the member's behalf (an
    /// admin's with a full refund, or the member's own terms when their account is deleted),
    /// answered once the booking has settled.
    pub const ADMIN_CANCEL: WorkflowCall<CancelRequest, CancelResult> =
        WorkflowCall::new(SERVICE, "admin_cancel");
}

/// The `WorkspaceClosure` workflow, keyed by the workspace id: closes it and cancels every
/// booking that has not ended, with a full refund.
pub mod closure {
    use super::*;

    pub const SERVICE: &str = "WorkspaceClosure";

    /// `WorkspaceClosure/{workspace}/run` (internal): the closure itself; runs once per key.
    pub const RUN: WorkflowCall<ClosureStart, ClosureResult> = WorkflowCall::new(SERVICE, "run");

    /// `WorkspaceClosure/{workspace}/result` (internal): what the closure came to, once done.
    pub const RESULT: WorkflowCall<Empty, ClosureResult> = WorkflowCall::new(SERVICE, "result");
}

/// The `AccountDeletion` workflow, keyed by the user id: closes the account, cancels its
/// bookings that have not started as the member's own cancels, and erases its personal data.
pub mod deletion {
    use super::*;

    pub const SERVICE: &str = "AccountDeletion";

    /// `AccountDeletion/{user}/run` (internal): the deletion itself; runs once per key.
    pub const RUN: WorkflowCall<Empty, DeletionResult> = WorkflowCall::new(SERVICE, "run");

    /// `AccountDeletion/{user}/result` (internal): what the deletion came to, once done.
    pub const RESULT: WorkflowCall<Empty, DeletionResult> = WorkflowCall::new(SERVICE, "result");
}
