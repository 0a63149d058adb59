//! `ApiConfig` as the binary nests it: defaults for absent keys, unknown
//! keys rejected.

use blockwatt_api::ApiConfig;

#[test]
fn absent_keys_take_defaults() {
    let c: ApiConfig = serde_json::from_str(r#"{"max_history_days": 30}"#).expect("parse");
    assert_eq!(c.max_history_days, 30);
    assert_eq!(
        c.rate_limit_per_minute,
        ApiConfig::default().rate_limit_per_minute
    );
    assert_eq!(c.admin_token, None);
    assert_eq!(ApiConfig::default().max_history_days, 3660);
}

#[test]
fn unknown_keys_are_rejected() {
    let e = serde_json::from_str::<ApiConfig>(r#"{"max_histroy_days": 30}"#)
        .expect_err("typo accepted");
    assert!(e.to_string().contains("max_histroy_days"), "{e}");
}
