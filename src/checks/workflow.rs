//! Release-workflow checks (`packguard workflow`): GitHub Actions workflows that publish to
//! npm, and the mistakes that leak a token, break trusted publishing, or let an attacker
//! publish.
//!
//! Workflows are parsed with positions (marked-yaml), so every finding points at the line of
//! the offending key. Only jobs that publish are judged: a step that runs `npm publish`,
//! `pnpm publish`, `yarn npm publish` / `yarn publish`, or uses `JS-DevTools/npm-publish`.

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{Node, Span};

use crate::checks::context::{CheckHit, Context};
use crate::finding::Finding;

pub const CHECKS: &[&str] = &[
    "workflow.invalid",
    "workflow.empty-node-auth-token",
    "workflow.missing-id-token",
    "workflow.long-lived-token",
    "workflow.old-npm",
    "workflow.untrusted-trigger",
    "workflow.untrusted-input",
    "workflow.no-scan-before-publish",
];

/// The release-workflow checks, run on workflow files (`packguard workflow`), not on packages.
pub struct Workflow;

impl super::Check for Workflow {
    fn names(&self) -> &'static [&'static str] {
        CHECKS
    }
}

/// Expressions an outsider controls (a pull request's title, a branch name, a comment):
/// interpolated into a `run:` script they become shell code.
const UNTRUSTED: &[&str] = &[
    "github.event.pull_request.title",
    "github.event.pull_request.body",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.label",
    "github.event.issue.title",
    "github.event.issue.body",
    "github.event.comment.body",
    "github.event.review.body",
    "github.event.review_comment.body",
    "github.event.head_commit.message",
    "github.event.head_commit.author",
    "github.event.commits",
    "github.event.discussion.title",
    "github.event.discussion.body",
    "github.event.workflow_run.head_branch",
    "github.head_ref",
];

/// Checks one workflow file. `path` is how findings name it.
pub fn check(ctx: &Context<'_>, path: &str, text: &str, out: &mut Vec<Finding>) {
    let mut hit = |check: &str, detail: Option<String>, span: Option<&Span>, value: &str| {
        let position = span.and_then(|s| s.start()).map(|m| (m.line(), m.column()));
        out.extend(ctx.check_findings(&CheckHit {
            check,
            path,
            detail,
            position,
            value: value.as_bytes(),
            source: Some(text.as_bytes()),
        }));
    };
    let root = match marked_yaml::parse_yaml(0, text) {
        Ok(Node::Mapping(m)) => m,
        Ok(_) => {
            hit(
                "workflow.invalid",
                Some("the top level is not a mapping".into()),
                None,
                "",
            );
            return;
        }
        Err(e) => {
            hit("workflow.invalid", Some(e.to_string()), None, "");
            return;
        }
    };
    let triggers = trigger_names(root.get_node("on"));
    let workflow_env = root.get_mapping("env");
    let workflow_perms = root.get_node("permissions");
    let Some(jobs) = root.get_mapping("jobs") else {
        return;
    };
    for (job_id, job) in jobs.iter() {
        let Some(job) = job.as_mapping() else {
            continue;
        };
        let Some(steps) = job.get_sequence("steps") else {
            continue;
        };
        let steps: Vec<&MarkedMappingNode> = steps.iter().filter_map(Node::as_mapping).collect();
        let Some(first_publish) = steps.iter().position(|s| publishes(s)) else {
            continue;
        };
        let publish_step = steps[first_publish];
        let at_publish = publish_step.span();
        let job_name = job_id.as_str();

        if let Some(t) = triggers
            .iter()
            .find(|(t, _)| t == "pull_request_target" || t == "workflow_run")
        {
            hit(
                "workflow.untrusted-trigger",
                Some(format!("job `{job_name}` publishes on `{}`", t.0)),
                Some(&t.1),
                &t.0,
            );
        }
        for step in &steps {
            if let Some(run) = step.get_scalar("run") {
                for expr in UNTRUSTED {
                    if interpolates(run, expr) {
                        hit(
                            "workflow.untrusted-input",
                            Some(format!(
                                "`${{{{ {expr} }}}}` in a `run:` script of job `{job_name}`"
                            )),
                            Some(run.span()),
                            expr,
                        );
                    }
                }
            }
        }

        // Where NODE_AUTH_TOKEN is set, closest scope first (step, job, workflow).
        let token = [
            publish_step.get_mapping("env"),
            job.get_mapping("env"),
            workflow_env,
        ]
        .into_iter()
        .flatten()
        .find_map(|env| env.get_scalar("NODE_AUTH_TOKEN"))
        .or_else(|| {
            publish_step
                .get_mapping("with")
                .and_then(|w| w.get_scalar("token"))
        });
        match token {
            Some(t) if t.as_str().trim().is_empty() => hit(
                "workflow.empty-node-auth-token",
                Some(format!("in job `{job_name}`")),
                Some(t.span()),
                "",
            ),
            Some(t) if t.as_str().contains("secrets.") => hit(
                "workflow.long-lived-token",
                Some(format!("`{}` in job `{job_name}`", t.as_str())),
                Some(t.span()),
                t.as_str(),
            ),
            _ => {}
        }
        // Provenance and trusted publishing both need an OIDC token from GitHub.
        let trusted = token.is_none_or(|t| t.as_str().trim().is_empty());
        let provenance = steps.iter().any(|s| {
            s.get_scalar("run")
                .is_some_and(|r| r.contains("--provenance"))
                || s.get_mapping("with")
                    .and_then(|w| w.get_scalar("provenance"))
                    .is_some_and(|p| p.as_str() == "true")
        }) || [
            publish_step.get_mapping("env"),
            job.get_mapping("env"),
            workflow_env,
        ]
        .into_iter()
        .flatten()
        .any(|e| {
            e.get_scalar("NPM_CONFIG_PROVENANCE")
                .is_some_and(|v| v.as_str() == "true")
        });
        let perms = job.get_node("permissions").or(workflow_perms);
        if (trusted || provenance) && !grants_id_token(perms) {
            let why = if provenance {
                "provenance"
            } else {
                "trusted publishing (no token is set)"
            };
            let at = job
                .get_node("permissions")
                .map(Node::span)
                .unwrap_or(at_publish);
            hit(
                "workflow.missing-id-token",
                Some(format!("job `{job_name}` publishes with {why}")),
                Some(at),
                job_name,
            );
        }
        if trusted && !upgrades_npm(&steps[..first_publish]) {
            if let Some((version, span)) = setup_node_version(&steps[..first_publish]) {
                if version < 24 {
                    hit(
                        "workflow.old-npm",
                        Some(format!(
                            "Node {version} ships npm 10, and trusted publishing needs npm 11.5.1 or newer: use Node 24 or run `npm install -g npm@latest` before publishing"
                        )),
                        Some(span),
                        job_name,
                    );
                }
            }
        }
        if !steps[..first_publish].iter().any(|s| runs_packguard(s)) {
            hit(
                "workflow.no-scan-before-publish",
                Some(format!("job `{job_name}`")),
                Some(at_publish),
                job_name,
            );
        }
    }
}

/// The events a workflow runs on, with where each is written.
fn trigger_names(on: Option<&Node>) -> Vec<(String, Span)> {
    match on {
        Some(Node::Scalar(s)) => vec![(s.as_str().to_string(), *s.span())],
        Some(Node::Sequence(seq)) => seq
            .iter()
            .filter_map(Node::as_scalar)
            .map(|s| (s.as_str().to_string(), *s.span()))
            .collect(),
        Some(Node::Mapping(m)) => m
            .keys()
            .map(|k| (k.as_str().to_string(), *k.span()))
            .collect(),
        None => vec![],
    }
}

fn publishes(step: &MarkedMappingNode) -> bool {
    let run = step.get_scalar("run").map(MarkedScalarNode::as_str);
    let uses = step.get_scalar("uses").map(MarkedScalarNode::as_str);
    run.is_some_and(|r| {
        let re = regex::Regex::new(r"(?m)\b(?:npm|pnpm)\s+publish\b|\byarn\s+(?:npm\s+)?publish\b")
            .expect("a fixed pattern");
        re.is_match(r)
    }) || uses.is_some_and(|u| {
        u.to_ascii_lowercase()
            .starts_with("js-devtools/npm-publish")
    })
}

fn runs_packguard(step: &MarkedMappingNode) -> bool {
    step.get_scalar("run")
        .is_some_and(|r| r.contains("packguard"))
        || step
            .get_scalar("uses")
            .is_some_and(|u| u.to_ascii_lowercase().contains("packguard"))
}

fn upgrades_npm(steps: &[&MarkedMappingNode]) -> bool {
    let re = regex::Regex::new(r"\bnpm\s+(?:install|i|update|up)\s+(?:-g|--global)\s+npm(?:@(?:latest|11|1[2-9]|[2-9]\d)\S*)?")
        .expect("a fixed pattern");
    steps
        .iter()
        .any(|s| s.get_scalar("run").is_some_and(|r| re.is_match(r)))
}

/// The major Node version `actions/setup-node` installs, when written as a number.
fn setup_node_version<'a>(steps: &[&'a MarkedMappingNode]) -> Option<(u32, &'a Span)> {
    steps.iter().rev().find_map(|s| {
        let uses = s.get_scalar("uses")?;
        if !uses.as_str().starts_with("actions/setup-node") {
            return None;
        }
        let v = s.get_mapping("with")?.get_scalar("node-version")?;
        let major: u32 = v
            .as_str()
            .trim_start_matches('v')
            .split('.')
            .next()?
            .parse()
            .ok()?;
        Some((major, v.span()))
    })
}

fn grants_id_token(perms: Option<&Node>) -> bool {
    match perms {
        Some(Node::Scalar(s)) => s.as_str() == "write-all",
        Some(Node::Mapping(m)) => m
            .get_scalar("id-token")
            .is_some_and(|v| v.as_str() == "write"),
        _ => false,
    }
}

/// Whether a script interpolates `${{ expr }}` (or a longer path under it).
fn interpolates(script: &str, expr: &str) -> bool {
    let mut rest = script;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let end = after.find("}}").unwrap_or(after.len());
        if after[..end].contains(expr) {
            return true;
        }
        rest = &after[end..];
    }
    false
}
