//! `docs/coverage.md`, the map from gitleaks' default rules to caulk's, stays true: one row per
//! gitleaks rule id, every caulk rule it names is in the built-in pack, and the counts its summary
//! states are the table's.

use std::collections::{BTreeMap, BTreeSet};

use crate::util::caulk;

/// Every rule id in gitleaks v8.30.1's default rule set (`config/gitleaks.toml` at tag v8.30.1,
/// commit 83d9cd684c87d95d656c1458ef04895a7f1cbd8e), the version the map is written against.
/// `python3 benches/gitleaks_ids.py ids gitleaks.toml` prints them for a newer version.
const GITLEAKS_IDS: &str = "
1password-secret-key 1password-service-account-token adafruit-api-key adobe-client-id
adobe-client-secret age-secret-key airtable-api-key airtable-personnal-access-token
algolia-api-key alibaba-access-key-id alibaba-secret-key anthropic-admin-api-key
anthropic-api-key artifactory-api-key artifactory-reference-token asana-client-id
asana-client-secret atlassian-api-token authress-service-client-access-key aws-access-token
aws-amazon-bedrock-api-key-long-lived aws-amazon-bedrock-api-key-short-lived
azure-ad-client-secret beamer-api-token bitbucket-client-id bitbucket-client-secret
bittrex-access-key bittrex-secret-key cisco-meraki-api-key clickhouse-cloud-api-secret-key
clojars-api-token cloudflare-api-key cloudflare-global-api-key cloudflare-origin-ca-key
codecov-access-token cohere-api-token coinbase-access-token confluent-access-token
confluent-secret-key contentful-delivery-api-token curl-auth-header curl-auth-user
databricks-api-token datadog-access-token defined-networking-api-token
digitalocean-access-token digitalocean-pat digitalocean-refresh-token discord-api-token
discord-client-id discord-client-secret doppler-api-token droneci-access-token
dropbox-api-token dropbox-long-lived-api-token dropbox-short-lived-api-token duffel-api-token
dynatrace-api-token easypost-api-token easypost-test-api-token etsy-access-token
facebook-access-token facebook-page-access-token facebook-secret fastly-api-token
finicity-api-token finicity-client-secret finnhub-access-token flickr-access-token
flutterwave-encryption-key flutterwave-public-key flutterwave-secret-key flyio-access-token
frameio-api-token freemius-secret-key freshbooks-access-token gcp-api-key generic-api-key
github-app-token github-fine-grained-pat github-oauth github-pat github-refresh-token
gitlab-cicd-job-token gitlab-deploy-token gitlab-feature-flag-client-token gitlab-feed-token
gitlab-incoming-mail-token gitlab-kubernetes-agent-token gitlab-oauth-app-secret gitlab-pat
gitlab-pat-routable gitlab-ptt gitlab-rrt gitlab-runner-authentication-token
gitlab-runner-authentication-token-routable gitlab-scim-token gitlab-session-cookie
gitter-access-token gocardless-api-token grafana-api-key grafana-cloud-api-token
grafana-service-account-token harness-api-key hashicorp-tf-api-token hashicorp-tf-password
heroku-api-key heroku-api-key-v2 hubspot-api-key huggingface-access-token
huggingface-organization-api-token infracost-api-token intercom-api-key intra42-client-secret
jfrog-api-key jfrog-identity-token jwt jwt-base64 kraken-access-token kubernetes-secret-yaml
kucoin-access-token kucoin-secret-key launchdarkly-access-token linear-api-key
linear-client-secret linkedin-client-id linkedin-client-secret lob-api-key lob-pub-api-key
looker-client-id looker-client-secret mailchimp-api-key mailgun-private-api-token
mailgun-pub-key mailgun-signing-key mapbox-api-token mattermost-access-token
maxmind-license-key messagebird-api-token messagebird-client-id microsoft-teams-webhook
netlify-access-token new-relic-browser-api-token new-relic-insert-key new-relic-user-api-id
new-relic-user-api-key notion-api-token npm-access-token nuget-config-password
nytimes-access-token octopus-deploy-api-key okta-access-token openai-api-key
openshift-user-token perplexity-api-key pkcs12-file plaid-api-token plaid-client-id
plaid-secret-key planetscale-api-token planetscale-oauth-token planetscale-password
postman-api-token prefect-api-token private-key privateai-api-token pulumi-api-token
pypi-upload-token rapidapi-access-token readme-api-token rubygems-api-token
scalingo-api-token sendbird-access-id sendbird-access-token sendgrid-api-token
sendinblue-api-token sentry-access-token sentry-org-token sentry-user-token
settlemint-application-access-token settlemint-personal-access-token
settlemint-service-access-token shippo-api-token shopify-access-token
shopify-custom-access-token shopify-private-app-access-token shopify-shared-secret
sidekiq-secret sidekiq-sensitive-url slack-app-token slack-bot-token
slack-config-access-token slack-config-refresh-token slack-legacy-bot-token
slack-legacy-token slack-legacy-workspace-token slack-user-token slack-webhook-url
snyk-api-token sonar-api-token sourcegraph-access-token square-access-token
squarespace-access-token stripe-access-token sumologic-access-id sumologic-access-token
telegram-bot-api-token travisci-access-token twilio-api-key twitch-api-token
twitter-access-secret twitter-access-token twitter-api-key twitter-api-secret
twitter-bearer-token typeform-api-token vault-batch-token vault-service-token
yandex-access-token yandex-api-key yandex-aws-access-token zendesk-secret-key
";

/// One row of the map's table.
struct Row {
    line: usize,
    gitleaks: String,
    caulk: Vec<String>,
    note: String,
}

fn coverage_md() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/coverage.md")).unwrap()
}

/// The rows of the table under `## The map`: lines `| `gitleaks-id` | `caulk-id`, `caulk-id` |
/// note |`, where the middle cell is `—` when no caulk rule covers the id.
fn rows(md: &str) -> Vec<Row> {
    let mut out = Vec::new();
    let mut in_map = false;
    for (i, line) in md.lines().enumerate() {
        if line.starts_with("## ") {
            in_map = line == "## The map";
        }
        if !in_map || !line.starts_with("| `") {
            continue;
        }
        let cells: Vec<&str> = line.trim_end_matches('|').split('|').skip(1).collect();
        assert_eq!(cells.len(), 3, "line {}: want 3 cells: {line}", i + 1);
        let id = |cell: &str| {
            let t = cell.trim();
            assert!(
                t.len() > 2
                    && t.starts_with('`')
                    && t.ends_with('`')
                    && t[1..t.len() - 1]
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "line {}: not a rule id in backticks: {t:?}",
                i + 1
            );
            t[1..t.len() - 1].to_string()
        };
        let middle = cells[1].trim();
        let caulk = if middle == "—" {
            Vec::new()
        } else {
            middle.split(',').map(id).collect()
        };
        out.push(Row {
            line: i + 1,
            gitleaks: id(cells[0]),
            caulk,
            note: cells[2].trim().to_string(),
        });
    }
    out
}

/// Every built-in rule id, with whether it is a generic (name-based) rule, from `caulk rules`.
fn builtin_rules() -> BTreeMap<String, bool> {
    let out = caulk()
        .args(["rules", "--format", "json", "--no-config"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["generic"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_map_has_one_row_per_gitleaks_rule() {
    let rows = rows(&coverage_md());
    let want: BTreeSet<&str> = GITLEAKS_IDS.split_whitespace().collect();
    assert_eq!(want.len(), 222, "gitleaks v8.30.1 has 222 rule ids");
    let mut seen = BTreeSet::new();
    for r in &rows {
        assert!(
            seen.insert(r.gitleaks.as_str()),
            "line {}: `{}` has a second row",
            r.line,
            r.gitleaks
        );
        assert!(
            want.contains(r.gitleaks.as_str()),
            "line {}: `{}` is not a gitleaks v8.30.1 rule id",
            r.line,
            r.gitleaks
        );
    }
    let missing: Vec<_> = want.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "gitleaks ids without a row: {missing:?}"
    );
    assert!(rows.len() >= 200, "only {} rows", rows.len());
}

#[test]
fn every_caulk_rule_the_map_names_is_built_in() {
    let builtin = builtin_rules();
    let mut unknown = Vec::new();
    for r in rows(&coverage_md()) {
        for id in &r.caulk {
            if !builtin.contains_key(id) {
                unknown.push(format!("line {}: `{id}` (for `{}`)", r.line, r.gitleaks));
            }
        }
        // A row no provider rule covers says why (not a credential, a generic rule, not yet…).
        if r.caulk.iter().all(|id| builtin.get(id) == Some(&true)) {
            assert!(
                r.note.len() > 10,
                "line {}: `{}` needs a note saying why no provider rule covers it",
                r.line,
                r.gitleaks
            );
        }
    }
    assert!(
        unknown.is_empty(),
        "caulk rule ids in docs/coverage.md that `caulk rules` does not list:\n{}",
        unknown.join("\n")
    );
}

/// The summary line's counts are the table's: a provider rule, a generic rule only, or none.
#[test]
fn the_maps_summary_counts_match_its_table() {
    let md = coverage_md();
    let builtin = builtin_rules();
    let (mut provider, mut generic, mut none) = (0, 0, 0);
    for r in rows(&md) {
        if r.caulk.is_empty() {
            none += 1;
        } else if r.caulk.iter().any(|id| builtin.get(id) == Some(&false)) {
            provider += 1;
        } else {
            generic += 1;
        }
    }
    let stated = format!(
        "{provider} are covered by a provider rule, {generic} only by a generic rule, and {none} not at all"
    );
    assert!(
        md.contains(&stated),
        "docs/coverage.md should say \"{stated}\""
    );
}
