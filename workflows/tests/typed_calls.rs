//! The typed calls of `deskflow_api::flows` name handlers the flows really register: services
//! reach a flow only through those descriptors, so a renamed handler must fail here, not at
//! run time with a 404 from Restate.

use deskflow_api::flows;
use deskflow_workflows::booking::workflow::Booking;
use deskflow_workflows::lifecycle::{closure::WorkspaceClosure, deletion::AccountDeletion};
use restate_sdk::service::Discoverable;

/// The service name and handler names a flow registers.
fn registered<D: Discoverable>() -> (String, Vec<String>) {
    let d = serde_json::to_value(D::discover()).unwrap();
    let handlers = d["handlers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["name"].as_str().map(String::from))
        .collect();
    (d["name"].as_str().unwrap().to_string(), handlers)
}

#[test]
fn the_closure_and_deletion_calls_name_registered_handlers() {
    let (name, handlers) = registered::<WorkspaceClosure>();
    assert_eq!(name, flows::closure::SERVICE);
    for h in [flows::closure::RUN.handler, flows::closure::RESULT.handler] {
        assert!(handlers.iter().any(|x| x == h), "{h}: {handlers:?}");
    }
    let (name, handlers) = registered::<AccountDeletion>();
    assert_eq!(name, flows::deletion::SERVICE);
    for h in [
        flows::deletion::RUN.handler,
        flows::deletion::RESULT.handler,
    ] {
        assert!(handlers.iter().any(|x| x == h), "{h}: {handlers:?}");
    }
}

#[test]
fn the_booking_calls_name_registered_handlers() {
    let d = serde_json::to_value(<Booking as Discoverable>::discover()).unwrap();
    assert_eq!(d["name"], flows::booking::SERVICE);
    let handlers: Vec<&str> = d["handlers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["name"].as_str())
        .collect();
    assert!(
        handlers.contains(&flows::booking::ADMIN_CANCEL.handler),
        "{handlers:?}"
    );
}
