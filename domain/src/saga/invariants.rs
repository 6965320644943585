//! What every ending of a booking must satisfy, whatever got it there: the invariants of
//! docs/design.md (every booking final, seats never left held, money never kept that the policy
//! does not allow, never more than captured, an admin's cancel refunding all, the payment
//! settled from the provider's state) as one check over a carried-out plan. The cases come
//! from `interleavings` (enumerated and arbitrary).

use super::*;
use crate::booking::BookingStatus as S;
use crate::refund::RefundPolicy;
use chrono::{DateTime, Utc};

/// One interleaving.
#[derive(Debug, Clone)]
pub(super) struct Case {
    pub progress: Progress,
    pub end: End,
    pub provider: ProviderState,
    pub amount: i64,
    pub policy: RefundPolicy,
    pub starts_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

/// What carrying out the plan came to.
#[derive(Debug)]
pub(super) struct Outcome {
    pub plan: Plan,
    pub retain: i64,
    pub action: Option<SettleAction>,
    /// captured minus refunded at the provider once settled
    pub net_after: i64,
}

fn net(state: ProviderState) -> i64 {
    match state {
        ProviderState::Captured { captured, refunded } => captured - refunded,
        _ => 0,
    }
}

/// The provider's state after `action`.
fn applied(state: ProviderState, action: SettleAction) -> ProviderState {
    match (state, action) {
        (_, SettleAction::Nothing) => state,
        (_, SettleAction::Void) => ProviderState::Closed,
        (ProviderState::Captured { captured, refunded }, SettleAction::Refund(r)) => {
            ProviderState::Captured {
                captured,
                refunded: refunded + r,
            }
        }
        (other, SettleAction::Refund(_)) => other,
    }
}

/// The plan carried out as the workflow does: the clock read only when the plan needs it,
/// the payment settled against the provider only when the plan says so.
fn carry_out(c: &Case) -> Outcome {
    let plan = plan(c.progress, &c.end);
    let now = plan.keep.needs_clock().then_some(c.now);
    let retain = plan.keep.cents(c.amount, &c.policy, c.starts_at, now);
    let action = plan
        .settle_payment
        .then(|| settle_action(c.provider, retain));
    let after = action.map_or(c.provider, |a| applied(c.provider, a));
    Outcome {
        plan,
        retain,
        action,
        net_after: net(after),
    }
}

fn member_cancel(end: &End) -> bool {
    matches!(
        end,
        End::Stopped(Stop::Cancelled {
            by: Canceller::Member,
            ..
        })
    )
}

/// Every invariant one interleaving must keep; the first one broken, described.
pub(super) fn check(c: &Case) -> Result<Outcome, String> {
    let o = carry_out(c);
    let p = &o.plan;
    let fail = |what: &str| Err(format!("{what}: {c:?} -> {o:?}"));
    let stop = match &c.end {
        End::Stopped(stop) => Some(stop),
        End::SlotOver => None,
    };

    // every booking ends, in a final status that holds no seat, with a reason when it stopped
    if !p.final_status.is_final() || p.final_status.occupies_seats() {
        return fail("not a final status");
    }
    if p.kind() != format!("booking_{}", p.final_status.as_str()) {
        return fail("the notice names another status");
    }
    let completed = c.end == End::SlotOver && c.progress.confirmed;
    if (p.final_status == S::Completed) != completed {
        return fail("completed without running its course, or ran its course otherwise");
    }
    if let Some(stop) = stop
        && p.reason.as_deref() != Some(stop.reason().as_str())
    {
        return fail("a stop without its reason");
    }
    if p.email == completed || p.reason.is_none() != completed {
        return fail("an early end must be told, a completion keeps its reason");
    }
    // a cancel is cancelled, and nothing else is
    let cancelled = matches!(stop, Some(Stop::Cancelled { .. }));
    if (p.final_status == S::Cancelled) != cancelled {
        return fail("a cancel must end cancelled and only a cancel may");
    }
    if (p.cancel == CancelAnswer::Resolve) != cancelled {
        return fail("a waiting cancel is answered by the cancel only");
    }

    // seats: released iff a hold was sent and the booking stopped early (a completion frees
    // them by its final status; no hold can still be in flight then)
    if p.release_seats != (c.progress.hold_sent && !completed) {
        return fail("seats released without a hold, or a hold left behind");
    }

    // money: settled iff an authorization was sent and the booking stopped early
    if p.settle_payment != (c.progress.payment_sent && !completed) {
        return fail("payment settled without an authorization, or one left open");
    }
    if p.keep.needs_clock() != (cancelled && c.progress.confirmed) {
        return fail("the clock is read for a cancel of a confirmed booking, and only then");
    }
    let captured = match c.provider {
        ProviderState::Captured { captured, .. } => captured,
        _ => 0,
    };
    let late = c.now + c.policy.full_refund_before > c.starts_at;
    if let Some(action) = o.action {
        // the provider's state decides, whatever the saga remembers
        if action != settle_action(c.provider, o.retain) {
            return fail("the settle did not follow the provider");
        }
        if let SettleAction::Refund(r) = action
            && (r <= 0 || r > net(c.provider))
        {
            return fail("refunded more than there was, or nothing");
        }
        if matches!(action, SettleAction::Void)
            != matches!(c.provider, ProviderState::Open | ProviderState::Authorized)
        {
            return fail("an open authorization must be voided, and only that");
        }
        let want = net(c.provider).min(o.retain.clamp(0, captured.max(0)));
        if o.net_after != want {
            return fail("the business keeps other than min(what it has, what it may keep)");
        }
        if o.net_after > captured || o.net_after < 0 {
            return fail("kept more than was captured");
        }
    }
    if o.retain != 0 {
        let confirmed_member_late = c.progress.confirmed && member_cancel(&c.end) && late;
        if !completed && !confirmed_member_late {
            return fail("money kept without a late member's cancel of a confirmed booking");
        }
    }
    if !completed && member_cancel(&c.end) && c.progress.confirmed {
        let amount = c.amount.max(0);
        let by_policy = (amount - c.policy.refund(amount, c.starts_at, c.now)).clamp(0, amount);
        if o.retain != by_policy {
            return fail("a member's cancel keeps other than the refund policy says");
        }
    }
    let full_refund = matches!(
        stop,
        Some(Stop::Cancelled {
            by: Canceller::Admin | Canceller::Operator,
            ..
        })
    );
    if full_refund && (o.retain != 0 || (o.action.is_some() && o.net_after != 0)) {
        return fail("an admin's or operator's cancel must refund in full");
    }
    if !completed && !c.progress.confirmed && o.action.is_some() && o.net_after != 0 {
        return fail("a booking that never happened keeps money");
    }
    Ok(o)
}
