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

/// Every example the document gives is a value the server takes: each
/// operation asked with its examples (a path parameter without one takes
/// its first listed value) is answered, with data or a 404 for data this
/// store lacks, and never refused as malformed nor with a server error.
#[tokio::test]
async fn documented_examples_are_accepted() {
    let t = common::app().await;
    let doc = serde_json::to_value(blockwatt_api::openapi()).expect("serialise openapi");
    let mut asked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        if path.starts_with("/v1/admin") {
            continue;
        }
        let params = item["get"]["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let value = |p: &serde_json::Value| -> Option<String> {
            let schema = &p["schema"];
            schema["examples"][0]
                .as_str()
                .or_else(|| schema["enum"][0].as_str())
                .map(str::to_owned)
        };
        let mut uri = path.clone();
        let mut query = Vec::new();
        let mut complete = true;
        for p in &params {
            let name = p["name"].as_str().expect("a name");
            match (p["in"].as_str(), p["schema"]["examples"][0].as_str()) {
                (Some("path"), _) => match value(p) {
                    Some(v) => uri = uri.replace(&format!("{{{name}}}"), &v),
                    None => complete = false,
                },
                (Some("query"), Some(v)) => query.push(format!("{name}={v}")),
                _ => {}
            }
        }
        if !complete {
            continue;
        }
        if !query.is_empty() {
            uri = format!("{uri}?{}", query.join("&"));
        }
        let r = common::get(&t.router, &uri).await;
        let status = r.status.as_u16();
        // A 404 here says what the store lacks, not what the request got wrong.
        let absent = ["no-data", "not-ingested", "not-found"].iter().any(|kind| {
            r.text()
                .contains(&format!("\"https://blockwatt.dev/problems/{kind}\""))
        });
        assert!(
            status < 400 || (status == 404 && absent),
            "{uri}: {status} {}",
            r.text()
        );
        asked += 1;
    }
    assert!(asked >= 13, "only {asked} operations asked");
}
