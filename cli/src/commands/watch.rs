//! `deskflow bookings watch`: follow a booking until it is confirmed (or, with `--final`, until
//! it reaches a final status), printing each status it passes through, and exit 0 only when it
//! ended confirmed or completed. When and how it stops is decided on [`BookingStatus`].

use super::answer::{booking_status, text};
use super::booking_text::booking_text;
use super::context::Ctx;
use super::output::{SPINNER, bold, status as paint_status};
use deskflow_domain::booking::BookingStatus;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub(super) async fn run(
    ctx: &Ctx,
    booking_id: &str,
    timeout: u64,
    until_final: bool,
) -> anyhow::Result<ExitCode> {
    let tty = std::io::stderr().is_terminal() && !ctx.json();
    let started = Instant::now();
    let mut last = String::new();
    let mut frame = 0usize;
    loop {
        let v = ctx.api.booking_status(booking_id).await?;
        let st = text(&v["status"]);
        if st != last {
            if tty {
                eprint!("\r");
            }
            if !ctx.json() {
                println!(
                    "{} {}{}",
                    bold(&format!("[{:>5.1}s]", started.elapsed().as_secs_f64())),
                    paint_status(&st),
                    note(booking_status(&v))
                );
            }
            last = st.clone();
        }
        let status = booking_status(&v);
        if watch_ends(status, until_final) {
            ctx.print(&v, booking_text);
            return Ok(exit_code(status));
        }
        if started.elapsed() > Duration::from_secs(timeout) {
            if status == Some(BookingStatus::Waitlisted) {
                anyhow::bail!(
                    "booking {booking_id} is still waitlisted after {timeout} s: it waits for a seat until its slot starts (watch it again, or cancel it)"
                );
            }
            anyhow::bail!("booking {booking_id} is still {st} after {timeout} s");
        }
        if tty {
            eprint!("\r{} waiting ({st})", SPINNER[frame % 4]);
            let _ = std::io::stderr().flush();
            frame += 1;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// What a status means while it is watched, for the ones a member waits in.
fn note(status: Option<BookingStatus>) -> &'static str {
    match status {
        Some(BookingStatus::Waitlisted) => {
            " (no seat free: waiting for one to free up, nothing charged; expires at the start)"
        }
        Some(BookingStatus::AwaitingPayment) => " (the card asks for your authentication)",
        _ => "",
    }
}

/// Whether watching stops at `status`: at a final one, and at `confirmed` unless the watch
/// waits for the final one. A status the domain does not know keeps it watching.
fn watch_ends(status: Option<BookingStatus>, until_final: bool) -> bool {
    status.is_some_and(|s| s.is_final() || (s == BookingStatus::Confirmed && !until_final))
}

/// Success when the booking ended as the member wanted: confirmed or completed.
fn exit_code(status: Option<BookingStatus>) -> ExitCode {
    match status {
        Some(BookingStatus::Confirmed | BookingStatus::Completed) => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BookingStatus as S;

    #[test]
    fn watching_stops_at_confirmed_unless_waiting_for_the_final_status() {
        assert!(watch_ends(Some(S::Confirmed), false));
        assert!(!watch_ends(Some(S::Confirmed), true));
        for s in [
            S::Completed,
            S::Cancelled,
            S::Rejected,
            S::Expired,
            S::Failed,
        ] {
            assert!(watch_ends(Some(s), true), "{s:?}");
            assert!(watch_ends(Some(s), false), "{s:?}");
        }
        for s in [S::Pending, S::Waitlisted, S::Held, S::AwaitingPayment] {
            assert!(!watch_ends(Some(s), false), "{s:?}");
            assert!(!watch_ends(Some(s), true), "{s:?}");
        }
        assert!(note(Some(S::Waitlisted)).contains("waiting"));
        assert!(!watch_ends(None, false));
    }

    #[test]
    fn only_confirmed_and_completed_exit_zero() {
        assert_eq!(exit_code(Some(S::Confirmed)), ExitCode::SUCCESS);
        assert_eq!(exit_code(Some(S::Completed)), ExitCode::SUCCESS);
        assert_eq!(exit_code(Some(S::Cancelled)), ExitCode::from(1));
        assert_eq!(exit_code(None), ExitCode::from(1));
    }
}
