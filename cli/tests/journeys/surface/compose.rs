//! docker-compose.yml: valid for compose with its secrets given, refused without any of them,
//! and publishing its ports only where it should.

use super::text;
use std::process::Output;

/// The secrets docker-compose.yml requires (`${VAR:?message}`).
const COMPOSE_SECRETS: [&str; 5] = [
    "DESKFLOW_JWT_SECRET",
    "DESKFLOW_ADMIN_EMAIL",
    "DESKFLOW_ADMIN_PASSWORD",
    "DESKFLOW_STRIPE_WEBHOOK_SECRET",
    "POSTGRES_PASSWORD",
];

/// `docker-compose --env-file <env> -f docker-compose.yml <args>`, without any of the secrets
/// in the environment; `None` when docker-compose is not installed (and not required).
fn compose(env_file: &std::path::Path, args: &[&str]) -> Option<Output> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    let mut cmd = std::process::Command::new("docker-compose");
    cmd.arg("--env-file")
        .arg(env_file)
        .args(["-f", "docker-compose.yml"])
        .args(args)
        .current_dir(root);
    for v in COMPOSE_SECRETS {
        cmd.env_remove(v);
    }
    match cmd.output() {
        Ok(o) => Some(o),
        Err(e) if std::env::var("DESKFLOW_REQUIRE_COMPOSE").is_ok() => {
            panic!("docker-compose is required here: {e}")
        }
        Err(_) => {
            eprintln!(
                "docker-compose (Debian package) is not installed: the compose validation is SKIPPED"
            );
            None
        }
    }
}

#[test]
fn docker_compose_file_is_valid_for_compose() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("test.env");
    std::fs::write(
        &env,
        "DESKFLOW_JWT_SECRET=compose-test-secret-0123456789abcdef\n\
         DESKFLOW_ADMIN_EMAIL=admin@compose.test\n\
         DESKFLOW_ADMIN_PASSWORD=compose-admin-password\n\
         DESKFLOW_STRIPE_WEBHOOK_SECRET=whsec_compose_test\n\
         POSTGRES_PASSWORD=compose-postgres-password\n",
    )
    .unwrap();
    let Some(out) = compose(&env, &["config", "-q"]) else {
        return;
    };
    assert!(
        out.status.success(),
        "docker-compose config: {}",
        text(&out)
    );
    let cfg = compose(&env, &["config", "--services"]).unwrap();
    let services = String::from_utf8_lossy(&cfg.stdout).to_string();
    for svc in [
        "restate",
        "postgres",
        "deskflow",
        "localstripe",
        "maildev",
        "register",
        "identity-key",
    ] {
        assert!(
            services.lines().any(|l| l == svc),
            "{svc} missing from {services}"
        );
    }
    // the cluster profile: three nodes, two replicas, the balancer, the snapshot repository
    let cfg = compose(&env, &["--profile", "cluster", "config"]).unwrap();
    assert!(
        cfg.status.success(),
        "docker-compose --profile cluster config: {}",
        text(&cfg)
    );
    let resolved = String::from_utf8_lossy(&cfg.stdout).to_string();
    for svc in [
        "restate-1",
        "restate-2",
        "restate-3",
        "deskflow-1",
        "deskflow-2",
        "balancer",
        "register-cluster",
        "s3",
    ] {
        assert!(
            resolved.contains(&format!("\n  {svc}:\n")),
            "{svc} missing from the cluster profile"
        );
    }
    for setting in [
        "RESTATE_DEFAULT_REPLICATION: '2'",
        "RESTATE_METADATA_CLIENT__TYPE: replicated",
        "RESTATE_WORKER__SNAPSHOTS__DESTINATION: s3://restate-snapshots/deskflow",
        "DESKFLOW_RESTATE_NODES:",
        "uri\": \"http://balancer:9080\"",
    ] {
        assert!(
            resolved.contains(setting),
            "the cluster profile lacks {setting:?}"
        );
    }
    // the cluster too publishes only the balancer's ingress beyond this machine, and signs
    for (svc, p) in published_ports(&resolved) {
        assert!(
            p.starts_with("127.0.0.1:")
                || (svc == "balancer" && p.contains("8080"))
                || svc == "restate",
            "cluster profile: {svc} publishes {p} beyond 127.0.0.1"
        );
    }
    for setting in [
        "REQUEST_IDENTITY_PRIVATE_KEY_PEM_FILE",
        "DESKFLOW_RESTATE_IDENTITY_KEY_FILE",
        "compose-test-secret-0123456789abcdef",
    ] {
        assert!(
            resolved.contains(setting),
            "the cluster profile lacks {setting:?}"
        );
    }

    // only the ingress is published beyond this machine; the endpoint gets the identity key
    let full = String::from_utf8_lossy(&compose(&env, &["config"]).unwrap().stdout).to_string();
    let ports = published_ports(&full);
    assert!(
        ports
            .iter()
            .any(|(svc, p)| svc == "restate" && p.contains("8080")),
        "{ports:?}"
    );
    // (this docker-compose lists the cluster profile's services too: its balancer is the
    // cluster's ingress)
    for (svc, p) in &ports {
        assert!(
            p.starts_with("127.0.0.1:")
                || (matches!(svc.as_str(), "restate" | "balancer") && p.contains("8080")),
            "{svc} publishes {p} beyond 127.0.0.1"
        );
    }
    // a service's lines: from `  name:` to the next line indented by two spaces
    let section = |svc: &str| -> String {
        full.lines()
            .skip_while(|l| *l != format!("  {svc}:"))
            .skip(1)
            .take_while(|l| l.starts_with("   "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let restate = section("restate");
    assert!(
        restate.contains("REQUEST_IDENTITY_PRIVATE_KEY_PEM_FILE"),
        "{restate}"
    );
    assert!(restate.contains("REQUEST_SIZE_LIMIT"), "{restate}");
    let deskflow = section("deskflow");
    assert!(
        deskflow.contains("DESKFLOW_RESTATE_IDENTITY_KEY_FILE"),
        "{deskflow}"
    );
    assert!(
        deskflow.contains("compose-test-secret-0123456789abcdef"),
        "{deskflow}"
    );

    // without the secrets the file refuses to validate, naming what is missing
    let empty = dir.path().join("empty.env");
    std::fs::write(&empty, "").unwrap();
    let out = compose(&empty, &["config", "-q"]).unwrap();
    assert!(!out.status.success(), "validated without secrets");
    let msg = text(&out);
    assert!(COMPOSE_SECRETS.iter().any(|v| msg.contains(v)), "{msg}");
    for missing in COMPOSE_SECRETS {
        let partial = dir.path().join(format!("without-{missing}.env"));
        let kept: String = std::fs::read_to_string(&env)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with(&format!("{missing}=")))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&partial, kept).unwrap();
        let out = compose(&partial, &["config", "-q"]).unwrap();
        assert!(!out.status.success(), "validated without {missing}");
        assert!(text(&out).contains(missing), "{missing}: {}", text(&out));
    }
}

/// `(service, port)` for every port `docker-compose config` publishes: the short form
/// (`127.0.0.1:9070:9070/tcp`) as it is, the long form as `host_ip:published` (empty host_ip:
/// every interface).
fn published_ports(config: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let (mut service, mut in_ports, mut long) = (String::new(), false, None::<(String, String)>);
    // a short-form entry is kept as ("short", entry), a long-form one as (host_ip, published)
    let mut flush = |long: &mut Option<(String, String)>, service: &str| match long.take() {
        Some((ip, port)) if ip == "short" => out.push((service.to_string(), port)),
        Some((ip, port)) => out.push((service.to_string(), format!("{ip}:{port}"))),
        None => {}
    };
    for line in config.lines() {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        if indent == 2 && t.ends_with(':') {
            flush(&mut long, &service);
            service = t.trim_end_matches(':').to_string();
            in_ports = false;
        } else if indent == 4 && !t.starts_with("- ") {
            flush(&mut long, &service);
            in_ports = t == "ports:";
        } else if in_ports {
            if let Some(item) = t.strip_prefix("- ") {
                flush(&mut long, &service);
                match item.split_once(": ") {
                    Some((k, v)) => {
                        let mut l = (String::new(), String::new());
                        if k == "published" {
                            l.1 = v.to_string();
                        } else if k == "host_ip" {
                            l.0 = v.to_string();
                        }
                        long = Some(l);
                    }
                    None => long = Some(("short".into(), item.to_string())),
                }
            } else if let (Some(l), Some((k, v))) = (long.as_mut(), t.split_once(": ")) {
                match k {
                    "published" => l.1 = v.to_string(),
                    "host_ip" => l.0 = v.to_string(),
                    _ => {}
                }
            }
        }
    }
    flush(&mut long, &service);
    out
}
