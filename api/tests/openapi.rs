//! The OpenAPI document is a checked-in snapshot: a handler change that
//! alters the contract shows up in review as a snapshot diff.

#[test]
fn openapi_document_snapshot() {
    let doc = serde_json::to_value(blockwatt_api::openapi()).expect("serialise openapi");
    insta::assert_json_snapshot!("openapi", doc);
}

#[test]
fn every_operation_documents_problem_errors() {
    let doc = serde_json::to_value(blockwatt_api::openapi()).expect("serialise openapi");
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 13, "{:?}", paths.keys());
    for (path, item) in paths {
        let op = &item["get"];
        let responses = op["responses"].as_object().expect("responses");
        assert!(responses.contains_key("200"), "{path}");
        // Any operation can meet the rate limit and the deadline.
        assert!(
            responses.contains_key("429") && responses.contains_key("503"),
            "{path}"
        );
        for (code, r) in responses {
            if code.starts_with('4') || code.starts_with('5') {
                assert!(
                    r["content"]["application/problem+json"].is_object(),
                    "{path} {code}"
                );
            }
        }
    }
}
