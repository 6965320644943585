//! The `Payment` object's journaled steps: reading the provider's truth, voiding, refunding,
//! and keeping the object state and the `payments` row in step.

use super::*;

impl Payment {
    pub(super) async fn load(&self, ctx: &ObjectContext<'_>) -> Outcome<PaymentState> {
        ctx.get::<Json<PaymentState>>(STATE)
            .await?
            .map(|j| j.0)
            .ok_or_else(|| terminal(404, format!("payment {:?} not found", ctx.key())))
    }

    /// The provider's truth about the PaymentIntent, in one journaled step (patient: an unwind
    /// must finish even after a long outage).
    pub(super) async fn provider_state(
        &self,
        ctx: &ObjectContext<'_>,
        pi_id: &str,
    ) -> Outcome<ProviderState> {
        let deps = self.deps.clone();
        let pi = pi_id.to_string();
        let Json(state) = ctx
            .run(|| {
                step(async move {
                    deps.stripe
                        .settle_state(&pi)
                        .await
                        .map(|s| Json(StoredProviderState::from(s)))
                        .map_err(transient)
                })
            })
            .name("check payment at provider")
            .retry_policy(self.deps.compensation_retry.policy())
            .await?;
        Ok(state.into())
    }

    /// Voids the PaymentIntent; `false` when the provider refused because its state moved on
    /// (the caller looks again).
    pub(super) async fn void(
        &self,
        ctx: &ObjectContext<'_>,
        st: &PaymentState,
        pi_id: &str,
    ) -> Outcome<bool> {
        let deps = self.deps.clone();
        let (pi, key) = (pi_id.to_string(), format!("{}:void", st.payment_id));
        let done = ctx
            .run(|| {
                step(async move {
                    deskflow_infra::metrics::inc(
                        "deskflow_compensations_total",
                        &[("step", "void authorization")],
                    );
                    match deps.stripe.cancel(&pi, &key).await {
                        Ok(_) => Ok(true),
                        Err(StripeError::Rejected { .. }) => Ok(false),
                        Err(e) => Err(transient(e)),
                    }
                })
            })
            .name("void authorization")
            .retry_policy(self.deps.compensation_retry.policy())
            .await?;
        Ok(done)
    }

    /// Refunds `amount` with a key of its own (`<id>:refund:<n>`), then tells the member;
    /// `false` when the provider refused because the payment moved on (the caller looks again).
    pub(super) async fn refund(
        &self,
        ctx: &ObjectContext<'_>,
        st: &mut PaymentState,
        pi_id: &str,
        amount: i64,
        quiet: bool,
    ) -> Outcome<bool> {
        let deps = self.deps.clone();
        let n = st.refunds + 1;
        let (pi, key) = (pi_id.to_string(), format!("{}:refund:{n}", st.payment_id));
        let done = ctx
            .run(|| {
                step(async move {
                    deskflow_infra::metrics::inc(
                        "deskflow_compensations_total",
                        &[("step", "refund payment")],
                    );
                    match deps.stripe.refund(&pi, amount, &key).await {
                        Ok(_) => Ok(true),
                        Err(StripeError::Rejected { .. }) => Ok(false),
                        Err(e) => Err(transient(e)),
                    }
                })
            })
            .name("refund payment")
            .retry_policy(self.deps.compensation_retry.policy())
            .await?;
        st.refunds = n;
        if !done {
            return Ok(false);
        }
        self.announce(
            ctx,
            st,
            quiet,
            "payment_refunded",
            &format!("payment_refunded:{}:{n}", st.payment_id),
            amount,
            format!(
                "We refunded {} {} for booking {}. It reaches your card within a few days.",
                money(amount),
                st.currency,
                st.booking_id
            ),
        );
        Ok(true)
    }

    /// Keeps the object state and the `payments` row in step.
    pub(super) async fn save(
        &self,
        ctx: &ObjectContext<'_>,
        st: &PaymentState,
        step_name: &'static str,
        insert: bool,
    ) -> Outcome<()> {
        ctx.set(STATE, Json(st.clone()));
        let deps = self.deps.clone();
        let st = st.clone();
        ctx.run(|| {
            step(async move {
                let now = now_ms();
                let row = PaymentRow {
                    id: st.payment_id.clone(),
                    booking_id: st.booking_id.clone(),
                    provider_ref: st.provider_ref.clone(),
                    status: st.status,
                    amount_cents: st.amount_cents,
                    captured_cents: st.captured_cents,
                    refunded_cents: st.refunded_cents,
                    currency: st.currency.clone(),
                    created_at: now,
                    updated_at: now,
                };
                if insert {
                    deps.store.insert_payment(&row).await?
                } else {
                    deps.store.update_payment(&row).await?
                }
                Ok(())
            })
        })
        .name(step_name)
        .retry_policy(self.deps.db_retry.policy())
        .await?;
        Ok(())
    }

    /// Payment email (unless `quiet`: the booking tells the member itself) and activity
    /// record: one-way, so neither can hold up the payment.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn announce(
        &self,
        ctx: &ObjectContext<'_>,
        st: &PaymentState,
        quiet: bool,
        kind: &str,
        origin: &str,
        amount: i64,
        body: String,
    ) {
        let mail = SendNotification {
            id: origin.to_string(),
            user_id: Some(st.user_id.clone()),
            kind: kind.to_string(),
            // read by Notifications when it records the email: the payment keeps no address
            to: None,
            subject: match kind {
                "payment_captured" => "Payment received".to_string(),
                _ => "Refund issued".to_string(),
            },
            body,
        };
        let activity = RecordActivity {
            origin_key: origin.to_string(),
            kind: kind.to_string(),
            user_id: Some(st.user_id.clone()),
            workspace_id: None,
            booking_id: Some(st.booking_id.clone()),
            amount_cents: Some(amount),
        };
        announce(ctx, activity, (!quiet).then_some(mail));
    }
}
