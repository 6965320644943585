//! The engine's floor: services and a workflow with the same shape as a deskflow booking up to
//! its confirmation and into its wait for the slot -- the same calls between handlers, the same
//! journaled steps, state writes, promises, timer and one-way sends, the same suspension --
//! doing no work. Driven the same way on the same restate-server, it shows what Restate itself
//! costs per booking; deskflow / floor is the figure we track.

use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long a floor booking waits after its confirmation: longer than any benchmark run, as
/// a deskflow booking waits for a slot days ahead.
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
        // holds are serialized per workspace, as deskflow's are: the same spread of keys
        let workspace = body
            .and_then(|Json(b)| b["workspace_id"].as_str().map(str::to_string))
            .unwrap_or_else(|| "ws".into());
        ctx.workflow_client::<FloorBookingClient>(id.clone())
            .run(workspace)
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
}

pub struct FloorBooking;

#[restate_sdk::workflow(name = "FloorBooking", workflow_completion_retention = "7 days")]
impl FloorBooking {
    /// As `Booking/run` up to `confirmed`, and into its wait for the slot (suspended after 3 s
    /// of waiting, as `Booking/run` is).
    #[handler(name = "run", inactivity_timeout = "3s")]
    async fn run(&self, ctx: WorkflowContext<'_>, workspace: String) -> HandlerResult<()> {
        let key = ctx.key().to_string();
        let view = |s: &str| {
            Json(FloorView {
                booking_id: key.clone(),
                status: s.into(),
            })
        };
        ctx.set("view", view("pending"));
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
        ctx.set("view", view("held"));
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
        ctx.set("view", view("confirmed"));
        ctx.run(noop).name("record confirmed").await?;
        ctx.resolve_promise("settled", view("confirmed"));
        ctx.service_client::<FloorNotifyClient>().send().send();
        ctx.service_client::<FloorRecordClient>().record().send();
        // as `Booking/run` once confirmed: it waits, suspended, for the slot, a cancellation or
        // a reschedule order (a timer and two promises; it answers nothing until the slot is
        // over)
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
        .bind(FloorCalendar)
        .bind(FloorPayment)
        .bind(FloorNotify)
        .bind(FloorRecord)
        .build()
}
