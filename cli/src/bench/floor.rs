//! The engine's floor: services and a workflow with the same shape as a deskflow booking up to
//! its confirmation and its hand-on to the object that keeps it -- the same calls between
//! handlers, the same journaled steps, state writes, promises, delayed and one-way sends --
//! doing no work. Driven the same way on the same restate-server, it shows what Restate itself
//! costs per booking; deskflow / floor is the figure we track.
//!
//! [`FloorReferenceBooking`] keeps the earlier shape for reference: its `run` stays suspended
//! in its wait for the slot, as a booking's did before it lived on as state.

use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How far ahead a floor booking's slot lies: longer than any benchmark run, as a deskflow
/// booking's slot lies days ahead.
const SLOT_WAIT: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FloorView {
    pub booking_id: String,
    pub status: String,
}

async fn noop() -> HandlerResult<()> {
    Ok(())
}

pub struct FloorBookings;

#[restate_sdk::service(name = "FloorBookings")]
impl FloorBookings {
    /// As `Bookings/create`: one step, start the workflow, wait until it has started, answer;
    /// no journal or idempotency kept.
    #[handler(
        name = "create",
        journal_retention = "0s",
        idempotency_retention = "0s"
    )]
    async fn create(
        &self,
        mut ctx: Context<'_>,
        body: Option<Json<serde_json::Value>>,
    ) -> HandlerResult<Json<FloorView>> {
        let id = ctx.rand_uuid().to_string();
        ctx.run(noop).name("validate and quote").await?;
        ctx.workflow_client::<FloorBookingClient>(id.clone())
            .run(workspace_of(body))
            .send();
        ctx.workflow_client::<FloorBookingClient>(id.clone())
            .started()
            .call()
            .await?;
        Ok(Json(FloorView {
            booking_id: id,
            status: "pending".into(),
        }))
    }

    /// As `create`, for [`FloorReferenceBooking`].
    #[handler(
        name = "create_reference",
        journal_retention = "0s",
        idempotency_retention = "0s"
    )]
    async fn create_reference(
        &self,
        mut ctx: Context<'_>,
        body: Option<Json<serde_json::Value>>,
    ) -> HandlerResult<Json<FloorView>> {
        let id = ctx.rand_uuid().to_string();
        ctx.run(noop).name("validate and quote").await?;
        ctx.workflow_client::<FloorReferenceBookingClient>(id.clone())
            .run(workspace_of(body))
            .send();
        ctx.workflow_client::<FloorReferenceBookingClient>(id.clone())
            .started()
            .call()
            .await?;
        Ok(Json(FloorView {
            booking_id: id,
            status: "pending".into(),
        }))
    }
}

/// The workspace of a create's body: holds are serialized per workspace, as deskflow's are,
/// so the floor's calendar keys have the same spread.
fn workspace_of(body: Option<Json<serde_json::Value>>) -> String {
    body.and_then(|Json(b)| b["workspace_id"].as_str().map(str::to_string))
        .unwrap_or_else(|| "ws".into())
}

fn view(key: &str, status: &str) -> Json<FloorView> {
    Json(FloorView {
        booking_id: key.to_string(),
        status: status.into(),
    })
}

/// As `Booking/run` up to `confirmed`, the answers sent: the seat held, paid, recorded and
/// announced, raced against the cancel promise at each participant.
async fn to_confirmation(ctx: &WorkflowContext<'_>, workspace: String) -> HandlerResult<()> {
    let key = ctx.key().to_string();
    ctx.set("view", view(&key, "pending"));
    ctx.resolve_promise("started", true);
    ctx.run(noop).name("check and quote").await?;
    // participants are sent and their answers attached to, raced with the cancel promise
    let hold = ctx
        .object_client::<FloorCalendarClient>(workspace)
        .hold()
        .send()
        .await?;
    restate_sdk::select! {
        r = hold.attach::<()>() => r?,
        _ = ctx.promise::<String>("cancel") => {},
    }
    ctx.set("view", view(&key, "held"));
    let authorize = ctx
        .object_client::<FloorPaymentClient>(key.clone())
        .authorize()
        .send()
        .await?;
    restate_sdk::select! {
        r = authorize.attach::<()>() => r?,
        _ = ctx.promise::<String>("cancel") => {},
    }
    let capture = ctx
        .object_client::<FloorPaymentClient>(key.clone())
        .capture()
        .send()
        .await?;
    restate_sdk::select! {
        r = capture.attach::<()>() => r?,
        _ = ctx.promise::<String>("cancel") => {},
    }
    let _ = ctx.peek_promise::<String>("cancel").await?;
    ctx.set("view", view(&key, "confirmed"));
    ctx.run(noop).name("record confirmed").await?;
    ctx.resolve_promise("settled", view(&key, "confirmed"));
    ctx.service_client::<FloorNotifyClient>().send().send();
    ctx.service_client::<FloorRecordClient>().record().send();
    Ok(())
}

pub struct FloorBooking;

#[restate_sdk::workflow(name = "FloorBooking", workflow_completion_retention = "7 days")]
impl FloorBooking {
    /// As `Booking/run`: up to `confirmed`, then the booking handed on to its object (a
    /// cancel that came while confirming looked for once more), whoever waits on the workflow
    /// answered and its view dropped; `run` ends there.
    #[handler(name = "run", inactivity_timeout = "3s")]
    async fn run(&self, ctx: WorkflowContext<'_>, workspace: String) -> HandlerResult<()> {
        to_confirmation(&ctx, workspace).await?;
        let _ = ctx.peek_promise::<String>("cancel").await?;
        let key = ctx.key().to_string();
        ctx.object_client::<FloorConfirmedClient>(key.clone())
            .adopt(view(&key, "confirmed"))
            .send();
        ctx.reject_promise(
            "cancel_result",
            TerminalError::new_with_code(421, "handed on"),
        );
        ctx.resolve_promise("rescheduled.0", Json(false));
        ctx.clear("view");
        Ok(())
    }

    /// As `Booking/started`.
    #[handler(name = "started")]
    async fn started(&self, ctx: SharedWorkflowContext<'_>) -> HandlerResult<bool> {
        Ok(ctx.promise::<bool>("started").await?)
    }

    /// As `Booking/wait` (no journal kept).
    #[handler(name = "wait", journal_retention = "0s")]
    async fn wait(
        &self,
        ctx: SharedWorkflowContext<'_>,
        _body: Option<Json<serde_json::Value>>,
    ) -> HandlerResult<Json<FloorView>> {
        ctx.promise::<Json<FloorView>>("settled")
            .await
            .map_err(Into::into)
    }
}

pub struct FloorConfirmed;

#[restate_sdk::object(name = "FloorConfirmed")]
impl FloorConfirmed {
    /// As `ConfirmedBooking/adopt`: the booking kept as state, its reminder and completion
    /// armed as delayed calls (which come after any benchmark run).
    #[handler(name = "adopt")]
    async fn adopt(&self, ctx: ObjectContext<'_>, snapshot: Json<FloorView>) -> HandlerResult<()> {
        ctx.set("snapshot", snapshot);
        ctx.run(noop).name("read clock").await?;
        let key = ctx.key().to_string();
        ctx.object_client::<FloorConfirmedClient>(key.clone())
            .remind()
            .send_after(SLOT_WAIT);
        ctx.object_client::<FloorConfirmedClient>(key)
            .complete()
            .send_after(SLOT_WAIT);
        Ok(())
    }

    /// As `ConfirmedBooking/remind`: a timer of the booking.
    #[handler(name = "remind")]
    async fn remind(&self, ctx: ObjectContext<'_>) -> HandlerResult<()> {
        let _ = ctx.get::<Json<FloorView>>("snapshot").await?;
        Ok(())
    }

    /// As `ConfirmedBooking/complete`: the booking's state cleared.
    #[handler(name = "complete")]
    async fn complete(&self, ctx: ObjectContext<'_>) -> HandlerResult<()> {
        ctx.clear_all();
        Ok(())
    }
}

/// The earlier shape, for reference: as `Booking/run` was before a confirmed booking lived on
/// as state.
pub struct FloorReferenceBooking;

#[restate_sdk::workflow(
    name = "FloorReferenceBooking",
    workflow_completion_retention = "7 days"
)]
impl FloorReferenceBooking {
    /// Up to `confirmed`, and into the wait for the slot (suspended after 3 s of waiting).
    #[handler(name = "run", inactivity_timeout = "3s")]
    async fn run(&self, ctx: WorkflowContext<'_>, workspace: String) -> HandlerResult<()> {
        to_confirmation(&ctx, workspace).await?;
        // it waits, suspended, for the slot, a cancellation or a reschedule order (a timer and
        // two promises; it answers nothing until the slot is over)
        restate_sdk::select! {
            _ = ctx.promise::<String>("cancel") => {},
            _ = ctx.promise::<String>("reschedule.0") => {},
            _ = ctx.sleep(SLOT_WAIT) => {},
        }
        Ok(())
    }

    /// As `Booking/started`.
    #[handler(name = "started")]
    async fn started(&self, ctx: SharedWorkflowContext<'_>) -> HandlerResult<bool> {
        Ok(ctx.promise::<bool>("started").await?)
    }

    /// As `Booking/wait` (no journal kept).
    #[handler(name = "wait", journal_retention = "0s")]
    async fn wait(
        &self,
        ctx: SharedWorkflowContext<'_>,
        _body: Option<Json<serde_json::Value>>,
    ) -> HandlerResult<Json<FloorView>> {
        ctx.promise::<Json<FloorView>>("settled")
            .await
            .map_err(Into::into)
    }
}

pub struct FloorCalendar;

#[restate_sdk::object(name = "FloorCalendar")]
impl FloorCalendar {
    /// As `Calendar/hold`: reads the workspace's pending moves (the new slots reschedules
    /// hold), then one step.
    #[handler(name = "hold")]
    async fn hold(&self, ctx: ObjectContext<'_>) -> HandlerResult<()> {
        let _ = ctx.get::<String>("moves").await?;
        ctx.run(noop).name("hold seats").await?;
        Ok(())
    }
}

pub struct FloorPayment;

#[restate_sdk::object(name = "FloorPayment")]
impl FloorPayment {
    #[handler(name = "authorize")]
    async fn authorize(&self, ctx: ObjectContext<'_>) -> HandlerResult<()> {
        // as Payment/authorize: a payment is authorized once, a settled one never again
        let _ = ctx.get::<String>("payment").await?;
        ctx.set("payment", "pending".to_string());
        ctx.run(noop).name("record payment").await?;
        ctx.run(noop).name("authorize payment").await?;
        ctx.set("payment", "authorized".to_string());
        ctx.run(noop).name("update payment").await?;
        Ok(())
    }

    #[handler(name = "capture")]
    async fn capture(&self, ctx: ObjectContext<'_>) -> HandlerResult<()> {
        let _ = ctx.get::<String>("payment").await?;
        ctx.run(noop).name("capture payment").await?;
        ctx.set("payment", "captured".to_string());
        ctx.run(noop).name("update payment").await?;
        ctx.service_client::<FloorNotifyClient>().send().send();
        ctx.service_client::<FloorRecordClient>().record().send();
        Ok(())
    }
}

pub struct FloorNotify;

#[restate_sdk::service(name = "FloorNotify")]
impl FloorNotify {
    // as `Notifications/send`: nothing of an email is kept once it is sent
    #[handler(name = "send", journal_retention = "0s", idempotency_retention = "0s")]
    async fn send(&self, ctx: Context<'_>) -> HandlerResult<()> {
        ctx.run(noop).name("record notification").await?;
        ctx.run(noop).name("send email").await?;
        Ok(())
    }
}

pub struct FloorRecord;

#[restate_sdk::service(name = "FloorRecord")]
impl FloorRecord {
    #[handler(name = "record")]
    async fn record(&self, ctx: Context<'_>) -> HandlerResult<()> {
        ctx.run(noop).name("record activity").await?;
        Ok(())
    }
}

/// Serves the floor's endpoint on 127.0.0.1 from a thread with a tokio runtime of `workers`
/// worker threads, for the rest of the process; returns its URL.
pub fn serve_on_own_runtime(workers: usize) -> anyhow::Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let url = format!("http://{}", listener.local_addr()?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .thread_name("floor-endpoint")
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("floor-endpoint".into())
        .spawn(move || {
            runtime.block_on(async move {
                match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => {
                        deskflow_server::sdk_server::serve(
                            endpoint(),
                            None,
                            l,
                            std::future::pending(),
                        )
                        .await;
                    }
                    Err(e) => eprintln!("bench: the floor's endpoint cannot listen: {e}"),
                }
            })
        })?;
    Ok(url)
}

/// The floor's endpoint: every service above.
pub fn endpoint() -> Endpoint {
    Endpoint::builder()
        .bind(FloorBookings)
        .bind(FloorBooking)
        .bind(FloorConfirmed)
        .bind(FloorReferenceBooking)
        .bind(FloorCalendar)
        .bind(FloorPayment)
        .bind(FloorNotify)
        .bind(FloorRecord)
        .build()
}
