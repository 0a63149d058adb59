"""blockwatt's own check for schema-valid requests (loaded through
SCHEMATHESIS_HOOKS by .ci/schemathesis.sh).

schemathesis's positive_data_acceptance fails on any 4xx answer to a request
the OpenAPI document allows. The document states every rule on a single
parameter (api/src/openapi_constraints.rs), but OpenAPI cannot state a rule
across parameters, and the server has a few. This check replaces the built-in
one: a schema-valid request may be refused only with 422 naming one of these
rules (the problem document's `parameter` and a phrase of its `detail`);
any other refusal, a 400 above all, fails the run.
"""

import schemathesis

# parameter -> phrases of the detail, one per rule across parameters.
CROSS_PARAMETER_RULES = {
    # The method exists but not for this chain, or not on that day.
    "method": ("is not available for", "does not apply to"),
    # `from` after `to`, or a period longer than max_history_days.
    "from": ("is after to", "must not be after to", "the limit is"),
    # gas shares on a chain whose blocks carry no gas.
    "allocation": ("carry no gas",),
}

# 404 (no data for that day, block or transaction) and 429 (rate limit) are
# answers about the world, not about the request's shape; 5xx is caught by
# not_a_server_error.
NOT_A_REFUSAL = {404, 429}


@schemathesis.check
def schema_valid_requests_are_accepted(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if status < 400 or status >= 500 or status in NOT_A_REFUSAL:
        return None
    if status == 422:
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        phrases = CROSS_PARAMETER_RULES.get(problem.get("parameter"), ())
        if any(p in problem.get("detail", "") for p in phrases):
            return None
    raise AssertionError(
        f"a request the OpenAPI document allows was refused with {status}: {response.text[:300]}"
    )
