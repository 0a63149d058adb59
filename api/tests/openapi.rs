//! The OpenAPI document is a checked-in snapshot: a handler change that
//! alters the contract shows up in review as a snapshot diff. The
//! parameters it documents are the ones the server takes.

mod common;

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
        // Widgets answer a missing figure in their own format (an image,
        // a card, a shields badge): a browser must render it, not problem
        // JSON. Every other error, theirs included, is a problem.
        let widget_answer =
            |code: &str| path.starts_with("/widgets/") && matches!(code, "404" | "422");
        for (code, r) in responses {
            if (code.starts_with('4') || code.starts_with('5')) && !widget_answer(code) {
                assert!(
                    r["content"]["application/problem+json"].is_object(),
                    "{path} {code}"
                );
            }
        }
    }
}

/// The bounds the document gives `price` and `pue` are the ones the server
/// enforces: each bound itself is accepted, a step beyond it refused.
#[tokio::test]
async fn documented_bounds_are_the_servers() {
    let t = common::app().await;
    let doc = serde_json::to_value(blockwatt_api::openapi()).expect("serialise openapi");
    let params = doc["paths"]["/v1/chains/{chain}/footprint"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .clone();
    for name in ["price", "pue"] {
        let schema = &params
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} documented"))["schema"];
        let (min, max) = (
            schema["minimum"].as_f64().expect("minimum"),
            schema["maximum"].as_f64().expect("maximum"),
        );
        let uri = |v: f64| {
            format!("/v1/chains/bitcoin/footprint?date=2023-03-01&method=economic&{name}={v}")
        };
        for inside in [min, max] {
            let r = common::get(&t.router, &uri(inside)).await;
            assert_eq!(r.status.as_u16(), 200, "{name}={inside}: {}", r.text());
        }
        for outside in [min - 1e-6, max + 1e-6] {
            common::get(&t.router, &uri(outside))
                .await
                .problem(422, "invalid-parameter");
        }
    }
}

/// Chains and methods are listed by the document as the catalogue has them.
#[test]
fn chain_and_method_parameters_list_the_catalogue() {
    let doc = serde_json::to_value(blockwatt_api::openapi()).expect("serialise openapi");
    let params = &doc["paths"]["/v1/chains/{chain}/footprint"]["get"]["parameters"];
    let list = |name: &str| -> Vec<String> {
        params
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == name)
            .and_then(|p| p["schema"]["enum"].as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let catalogue = blockwatt_service::chains::chains(blockwatt_service::Catalogues::embedded());
    let slugs: Vec<String> = catalogue.iter().map(|c| c.slug.clone()).collect();
    assert_eq!(list("chain"), slugs);
    let methods = list("method");
    for chain in &catalogue {
        for m in &chain.methods {
            assert!(methods.contains(m), "{m} of {} not documented", chain.slug);
        }
    }
}
