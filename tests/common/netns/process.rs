//! Running programs inside a topology's namespaces, and the small helper servers.

use super::*;

impl Topology {
    // ----- running things -------------------------------------------------

    /// A `Command` running `program` inside namespace `ns` (role or name):
    /// `ip netns exec <name> <program>`; add arguments with `.args(..)`.
    pub fn command(&self, ns: &str, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", self.ns(ns)]).arg(program);
        cmd
    }

    /// Runs `args` (program first) inside `ns` to completion and returns its
    /// output whatever the exit status; panics only if it cannot be started.
    pub fn exec<I, S>(&self, ns: &str, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut args = args.into_iter();
        let program = args.next().expect("exec needs a program");
        let mut cmd = self.command(ns, program);
        cmd.args(args);
        cmd.output()
            .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
    }

    /// Starts `args` (program first) inside `ns` in the background, output
    /// discarded; it is killed when the topology is dropped. Returns its pid.
    pub fn spawn_background<I, S>(&self, ns: &str, args: I) -> u32
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut args = args.into_iter();
        let program = args.next().expect("spawn_background needs a program");
        let mut cmd = self.command(ns, program);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        self.adopt(child)
    }

    fn adopt(&self, child: Child) -> u32 {
        let pid = child.id();
        self.background
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(child);
        pid
    }

    /// Kills (and reaps) one background process started by this topology.
    /// Returns false if `pid` is not one of them.
    pub fn kill_background(&self, pid: u32) -> bool {
        let mut children = self.background.lock().unwrap_or_else(|e| e.into_inner());
        match children.iter().position(|c| c.id() == pid) {
            Some(i) => {
                let mut child = children.swap_remove(i);
                let _ = child.kill();
                let _ = child.wait();
                true
            }
            None => false,
        }
    }

    /// Starts a Python helper in `ns` that prints `ready` once it is serving.
    fn spawn_python_server(&self, ns: &str, script: &str, port: u16) -> u32 {
        let mut cmd = self.command(ns, python());
        cmd.args(["-c", script, &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let pid = self.adopt(child);
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        assert_eq!(
            line.trim(),
            "ready",
            "server in {ns} on port {port} did not start"
        );
        pid
    }

    /// A TCP listener on `port` (IPv4 and IPv6) inside dst that accepts and
    /// closes connections, so a SYN there gets a SYN-ACK (closed ports send
    /// RST anyway). Ready when this returns; killed on drop. Returns its pid.
    pub fn listen_tcp(&self, port: u16) -> u32 {
        self.spawn_python_server(&self.nodes[self.nodes.len() - 1].ns, TCP_LISTENER, port)
    }

    /// A UDP echo server on `port` (IPv4 and IPv6) inside `ns`. Ready when
    /// this returns; killed on drop. Returns its pid.
    pub fn udp_echo(&self, ns: &str, port: u16) -> u32 {
        self.spawn_python_server(self.ns(ns), UDP_ECHO, port)
    }

    /// Sends one UDP datagram from `from` (role or name) to `to:port` with
    /// TTL / hop limit `ttl` and reports the echo or ICMP error that comes
    /// back within `timeout`. A minimal, independent traceroute probe.
    pub fn udp_probe(
        &self,
        from: &str,
        to: IpAddr,
        port: u16,
        ttl: u8,
        timeout: Duration,
    ) -> ProbeOutcome {
        let out = self.exec(
            from,
            [
                python().to_string(),
                "-c".to_string(),
                UDP_PROBE.to_string(),
                to.to_string(),
                port.to_string(),
                ttl.to_string(),
                timeout.as_secs_f64().to_string(),
            ],
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "udp probe failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let fields: Vec<&str> = text.split_whitespace().collect();
        match fields.as_slice() {
            ["reply"] => ProbeOutcome::Reply,
            ["none"] => ProbeOutcome::Nothing,
            ["icmp", t, c, addr] => ProbeOutcome::Icmp {
                from: addr.parse().expect("offender address"),
                icmp_type: t.parse().expect("icmp type"),
                code: c.parse().expect("icmp code"),
            },
            _ => panic!("udp probe printed {text:?}"),
        }
    }
}

const TCP_LISTENER: &str = r#"
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen(128)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    c.close()
"#;

const UDP_ECHO: &str = r#"
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
print("ready", flush=True)
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
"#;

// Linux constants: IP_RECVERR 11, IPV6_RECVERR 25, MSG_ERRQUEUE 0x2000.
const UDP_PROBE: &str = r#"
import select, socket, struct, sys
dst, port, ttl, tmo = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
v6 = ":" in dst
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
if v6:
    s.setsockopt(socket.IPPROTO_IPV6, 25, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
else:
    s.setsockopt(socket.IPPROTO_IP, 11, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
s.connect((dst, port))
s.send(b"globetrace netns harness probe")
p = select.poll()
p.register(s, select.POLLIN | select.POLLERR)
if not p.poll(int(tmo * 1000)):
    print("none")
    sys.exit(0)
try:
    _, anc, _, _ = s.recvmsg(512, 512, 0x2000)
except BlockingIOError:
    s.recv(65535)
    print("reply")
    sys.exit(0)
for _, _, d in anc:
    _, _, t, c, _, _, _ = struct.unpack("=IBBBBII", d[:16])
    off = d[16:]
    if v6:
        a = socket.inet_ntop(socket.AF_INET6, off[8:24])
    else:
        a = socket.inet_ntop(socket.AF_INET, off[4:8])
    print("icmp", t, c, a)
    sys.exit(0)
print("none")
"#;
