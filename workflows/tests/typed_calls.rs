//! The typed calls of `deskflow_api::flows` name handlers the flows really register: services
//! reach a flow only through those descriptors, so a renamed handler must fail here, not at
//! run time with a 404 from Restate.

use deskflow_api::flows;
use deskflow_workflows::booking::workflow::Booking;
use restate_sdk::service::Discoverable;

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
