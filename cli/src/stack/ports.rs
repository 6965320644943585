//! The ports a single-node stack listens on: the documented defaults for `deskflow up`, or
//! free ones picked by the OS for test and benchmark stacks beside a running dev stack.

use serde::Serialize;

/// Every port the stack listens on.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Ports {
    pub ingress: u16,
    pub admin: u16,
    pub node: u16,
    pub endpoint: u16,
    pub http: u16,
    pub smtp: u16,
    pub mail_web: u16,
    pub stripe: u16,
}

impl Ports {
    /// The documented defaults (docs/operations.md, restate.toml, docker-compose.yml).
    pub fn defaults() -> Ports {
        Ports {
            ingress: 8080,
            admin: 9070,
            node: 5122,
            endpoint: 9080,
            http: 9081,
            smtp: 1025,
            mail_web: 1080,
            stripe: 8420,
        }
    }

    /// Free ports picked by the OS, for test stacks beside a running dev stack.
    pub fn random() -> anyhow::Result<Ports> {
        let p = free_ports(8)?;
        Ok(Ports {
            ingress: p[0],
            admin: p[1],
            node: p[2],
            endpoint: p[3],
            http: p[4],
            smtp: p[5],
            mail_web: p[6],
            stripe: p[7],
        })
    }
}

/// `n` distinct free ports picked by the OS (all held open together, then released).
pub fn free_ports(n: usize) -> anyhow::Result<Vec<u16>> {
    let held: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<_, _>>()?;
    Ok(held
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<Result<_, _>>()?)
}
