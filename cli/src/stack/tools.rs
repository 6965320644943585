//! The pinned outside tools of the local stack, installed into the git-ignored `.tools/` folder
//! of the repository: restate-server, the restate CLI, restatectl, maildev and s3rver from npm
//! (`tools/package.json` and `tools/package-lock.json`), localstripe from PyPI in a venv
//! (`tools/requirements.txt`), schemathesis for the fuzz journey in a venv of its own
//! (`tools/fuzz-requirements.txt`), and for a cluster HAProxy from Debian's packages.
//! An install is redone only when its lock file changed; a file lock lets several test
//! binaries and a dev stack start at once without installing twice.

use anyhow::{Context, bail};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Paths of the installed tools.
#[derive(Debug, Clone)]
pub struct Tools {
    pub restate_server: PathBuf,
    pub restate_cli: PathBuf,
    /// restatectl: the cluster's own tool (nodes, partitions, logs, snapshots)
    pub restatectl: PathBuf,
    /// maildev's JavaScript entry point, run with `node`
    pub maildev: PathBuf,
    /// s3rver's entry point (an S3 emulator; the local cluster's snapshot repository)
    pub s3rver: PathBuf,
    /// the venv's python, with localstripe installed
    pub python: PathBuf,
    /// `tools/localstripe_launcher.py`
    pub localstripe_launcher: PathBuf,
    pub restate_toml: PathBuf,
}

/// The repository root: `DESKFLOW_HOME`, else where this crate was built from.
pub fn repo_root() -> PathBuf {
    match std::env::var_os("DESKFLOW_HOME") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    }
}

/// Installs what is missing or outdated and returns the paths.
pub fn ensure(root: &Path) -> anyhow::Result<Tools> {
    let pinned = root.join("tools");
    let dir = root.join(".tools");
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let lock = fs::File::create(dir.join(".install.lock"))?;
    lock.lock().context("cannot lock .tools/.install.lock")?;

    let node_dir = dir.join("node");
    // each install ends by copying its lock file as a marker: a changed pin reinstalls
    if !same_file(
        &pinned.join("package-lock.json"),
        &node_dir.join("installed.lock"),
    ) {
        eprintln!(
            "deskflow: installing restate-server, restate CLI, restatectl, maildev and s3rver (npm ci) into {}",
            node_dir.display()
        );
        let _ = fs::remove_dir_all(&node_dir);
        fs::create_dir_all(&node_dir)?;
        fs::copy(pinned.join("package.json"), node_dir.join("package.json"))?;
        fs::copy(
            pinned.join("package-lock.json"),
            node_dir.join("package-lock.json"),
        )?;
        run(Command::new("npm")
            .args([
                "ci",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--loglevel=error",
            ])
            .current_dir(&node_dir))
        .context("npm ci failed (is Node.js 20+ with npm installed?)")?;
        fs::copy(
            pinned.join("package-lock.json"),
            node_dir.join("installed.lock"),
        )?;
    }

    let venv = dir.join("venv");
    ensure_venv(&venv, &pinned.join("requirements.txt"), "localstripe")?;
    drop(lock);

    let modules = node_dir.join("node_modules/@restatedev");
    Ok(Tools {
        restate_server: platform_binary(&modules, "restate-server", "restate-server")?,
        restate_cli: platform_binary(&modules, "restate", "restate")?,
        restatectl: platform_binary(&modules, "restatectl", "restatectl")?,
        maildev: node_dir.join("node_modules/maildev/dist/bin/maildev.js"),
        s3rver: node_dir.join("node_modules/s3rver/bin/s3rver.js"),
        python: venv.join("bin/python"),
        localstripe_launcher: pinned.join("localstripe_launcher.py"),
        restate_toml: root.join("restate.toml"),
    })
}

/// HAProxy, the balancer of a cluster stack: Debian's package, not an npm or PyPI one.
#[derive(Debug, Clone)]
pub struct Haproxy {
    pub binary: PathBuf,
    /// `LD_LIBRARY_PATH` for a copy unpacked into `.tools/` (its libraries beside it)
    pub lib_dir: Option<PathBuf>,
}

/// Finds HAProxy, or installs it: as root with `apt-get install haproxy` (as CI runs); without
/// root, `apt-get download` of the package and its library unpacked into `.tools/haproxy`.
pub fn ensure_haproxy(root: &Path) -> anyhow::Result<Haproxy> {
    let local = root.join(".tools/haproxy");
    let unpacked = Haproxy {
        binary: local.join("usr/sbin/haproxy"),
        lib_dir: Some(local.join("usr/lib/x86_64-linux-gnu")),
    };
    let found = || {
        [
            "/usr/sbin/haproxy",
            "/usr/local/sbin/haproxy",
            "/usr/bin/haproxy",
        ]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
    };
    if let Some(binary) = found() {
        return Ok(Haproxy {
            binary,
            lib_dir: None,
        });
    }
    if unpacked.binary.exists() {
        return Ok(unpacked);
    }
    // /proc/self belongs to the process's effective user
    let root_user = std::os::unix::fs::MetadataExt::uid(&fs::metadata("/proc/self")?) == 0;
    if root_user {
        eprintln!(
            "deskflow: installing HAProxy (apt-get install haproxy) for the cluster's balancer"
        );
        let install = || {
            run(Command::new("apt-get").args([
                "install",
                "-y",
                "--no-install-recommends",
                "haproxy",
            ]))
        };
        if install().is_err() {
            run(Command::new("apt-get").arg("update"))?;
            install().context("apt-get install haproxy failed")?;
        }
        let binary =
            found().context("apt-get installed haproxy, yet no haproxy binary was found")?;
        return Ok(Haproxy {
            binary,
            lib_dir: None,
        });
    }
    eprintln!(
        "deskflow: not root; downloading HAProxy's Debian packages into {}",
        local.display()
    );
    let debs = local.join("debs");
    fs::create_dir_all(&debs)?;
    run(Command::new("apt-get")
        .args(["download", "haproxy", "liblua5.3-0"])
        .current_dir(&debs))
    .context(
        "cannot download HAProxy: install it yourself (Debian/Ubuntu: sudo apt-get install haproxy) and run again",
    )?;
    for deb in fs::read_dir(&debs)? {
        let deb = deb?.path();
        run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&local))
            .with_context(|| format!("cannot unpack {}", deb.display()))?;
    }
    if !unpacked.binary.exists() {
        bail!(
            "no haproxy in the unpacked packages under {}: install it (sudo apt-get install haproxy)",
            local.display()
        );
    }
    Ok(unpacked)
}

/// The native binary inside npm's per-platform package (`@restatedev/<pkg>-linux-x64/bin/..`),
/// run directly so that one PID owns the server.
fn platform_binary(modules: &Path, pkg: &str, bin: &str) -> anyhow::Result<PathBuf> {
    let prefix = format!("{pkg}-");
    for entry in
        fs::read_dir(modules).with_context(|| format!("{} is missing", modules.display()))?
    {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        let rest = name.strip_prefix(&prefix).unwrap_or("");
        // "restate-" also prefixes "restate-server-linux-x64": the platform part has no other '-' words
        if rest.starts_with("linux-") || rest.starts_with("darwin-") {
            let p = entry.path().join("bin").join(bin);
            if p.exists() {
                return Ok(p);
            }
        }
    }
    bail!(
        "no {bin} binary for this platform under {}",
        modules.display()
    )
}

/// schemathesis (`tools/fuzz-requirements.txt`) in a venv of its own, `.tools/fuzz-venv`, for
/// the fuzz journey; returns its command.
pub fn ensure_fuzzer(root: &Path) -> anyhow::Result<PathBuf> {
    let dir = root.join(".tools");
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let lock = fs::File::create(dir.join(".install.lock"))?;
    lock.lock().context("cannot lock .tools/.install.lock")?;
    let venv = dir.join("fuzz-venv");
    ensure_venv(
        &venv,
        &root.join("tools/fuzz-requirements.txt"),
        "schemathesis",
    )?;
    Ok(venv.join("bin/schemathesis"))
}

/// A Python venv at `venv` with `requirements` installed, redone when they changed.
fn ensure_venv(venv: &Path, requirements: &Path, what: &str) -> anyhow::Result<()> {
    if same_file(requirements, &venv.join("installed.lock")) {
        return Ok(());
    }
    eprintln!("deskflow: installing {what} (pip) into {}", venv.display());
    let _ = fs::remove_dir_all(venv);
    run(Command::new("python3").args(["-m", "venv"]).arg(venv))
        .context("python3 -m venv failed (is Python 3.11+ installed?)")?;
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(requirements))
    .with_context(|| format!("pip install of {what} failed"))?;
    fs::copy(requirements, venv.join("installed.lock"))?;
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    matches!((fs::read(a), fs::read(b)), (Ok(x), Ok(y)) if x == y)
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    // npm and pip talk on stdout, which `up --control` keeps for its own protocol
    let status = cmd
        .stdout(std::io::stderr())
        .status()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} exited with {status}");
    }
    Ok(())
}
