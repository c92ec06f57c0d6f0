package realcoderd

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is a running coderd.
type Server struct {
	// URL is its https access URL on 127.0.0.1.
	URL string
	// Token is a session token of the first user, an owner.
	Token string
	// Email is the first user's email.
	Email string
	// Env is what a client needs to trust the server's certificate
	// (curl reads CURL_CA_BUNDLE, Go's TLS SSL_CERT_FILE).
	Env []string
	// Coder is the binary, also the CLI.
	Coder string

	client *http.Client
	log    string
}

// Start starts PostgreSQL and coderd for the test and stops them when it
// ends. It fails the test, never skips it, when either cannot start.
func Start(t testing.TB) *Server {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	repo, err := FindRepo(wd)
	if err != nil {
		t.Fatal(err)
	}
	tools, err := Build(repo)
	if err != nil {
		t.Fatalf("the TestCoderd tests need coderd %s built from tools/coderd: %v", CoderVersion, err)
	}
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Fatal("the TestCoderd tests need terraform on PATH: coderd's provisioner runs it to import templates (Terraform 1.1–1.14)")
	}
	dir, err := os.MkdirTemp("", "coderd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	pgURL := startPostgres(t, dir)

	s := &Server{Coder: tools.Coder, Email: "automation@example.com", log: filepath.Join(dir, "coderd.log")}
	caFile, pool := certificate(t, dir)
	s.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	s.Env = []string{"CURL_CA_BUNDLE=" + caFile, "SSL_CERT_FILE=" + caFile}
	port := freePort(t)
	s.URL = "https://127.0.0.1:" + strconv.Itoa(port)
	logf, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tools.Coder, "server",
		"--postgres-url", pgURL,
		"--http-address", "",
		"--tls-enable", "--tls-address", fmt.Sprintf("127.0.0.1:%d", port),
		"--tls-cert-file", filepath.Join(dir, "cert.pem"), "--tls-key-file", filepath.Join(dir, "key.pem"),
		"--access-url", s.URL,
		"--provisioner-daemons", "1",
		"--cache-dir", filepath.Join(dir, "cache"))
	cmd.Env = append(os.Environ(), "HOME="+dir, "CODER_TELEMETRY_ENABLE=false", "CODER_UPDATE_CHECK=false",
		"TF_CLI_CONFIG_FILE="+tools.TerraformConfig, "CODER_CONFIG_DIR="+filepath.Join(dir, "config"))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting coderd: %v", err)
	}
	t.Cleanup(func() { stop(cmd); _ = logf.Close() })
	s.waitReady(t)
	s.firstUser(t)
	return s
}

// Log is coderd's output so far, for failure messages.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	return string(b)
}

func (s *Server) waitReady(t testing.TB) {
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := s.client.Get(s.URL + "/api/v2/buildinfo"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("coderd did not answer within 90s:\n%s", s.Log())
}

// firstUser creates the first user (an owner) and signs in.
func (s *Server) firstUser(t testing.TB) {
	const password = "Automation-Pa55word-for-tests!"
	if err := s.Do(context.Background(), "POST", "/users/first", map[string]any{
		"email": s.Email, "username": "automation", "name": "Automation", "password": password, "trial": false,
	}, nil); err != nil {
		t.Fatalf("creating the first user: %v\n%s", err, s.Log())
	}
	var login struct {
		SessionToken string `json:"session_token"`
	}
	if err := s.Do(context.Background(), "POST", "/users/login", map[string]string{"email": s.Email, "password": password}, &login); err != nil {
		t.Fatalf("signing in: %v", err)
	}
	s.Token = login.SessionToken
}

// Do calls coderd's API as the first user and decodes the answer into out.
func (s *Server) Do(ctx context.Context, method, path string, in, out any) error {
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, s.URL+"/api/v2"+path, &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if s.Token != "" {
		req.Header.Set("Coder-Session-Token", s.Token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var msg bytes.Buffer
		_, _ = msg.ReadFrom(resp.Body)
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, strings.TrimSpace(msg.String()))
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// startPostgres initialises a cluster in dir and starts it on a free port
// of 127.0.0.1; PostgreSQL refuses to run as root, so as root it runs as
// the postgres account Debian's package creates.
func startPostgres(t testing.TB, dir string) string {
	bin := postgresBin(t)
	data := filepath.Join(dir, "pgdata")
	var asUser []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal("running as root, PostgreSQL needs the postgres account (apt-get install postgresql)")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(data, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(data, uid, gid); err != nil {
			t.Fatal(err)
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(args ...string) *exec.Cmd {
		full := append(append([]string{}, asUser...), args...)
		return exec.Command(full[0], full[1:]...)
	}
	if out, err := run(filepath.Join(bin, "initdb"), "-D", data, "-U", "coder", "--auth=trust", "-E", "UTF8").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	port := freePort(t)
	pg := run(filepath.Join(bin, "postgres"), "-D", data, "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-k", data,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	logf, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		t.Fatal(err)
	}
	pg.Stdout, pg.Stderr = logf, logf
	pg.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := pg.Start(); err != nil {
		t.Fatalf("starting postgres: %v", err)
	}
	t.Cleanup(func() { stop(pg); _ = logf.Close() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			_ = c.Close()
			return fmt.Sprintf("postgres://coder@127.0.0.1:%d/postgres?sslmode=disable", port)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
	t.Fatalf("postgres did not listen within 30s:\n%s", b)
	return ""
}

// postgresBin is the newest /usr/lib/postgresql/<major>/bin with a server.
func postgresBin(t testing.TB) string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(dirs[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(dirs[j]))))
		return vi > vj
	})
	if len(dirs) == 0 {
		t.Fatal("the TestCoderd tests need a PostgreSQL server: apt-get install postgresql (Debian's package; .ci/run installs it)")
	}
	return filepath.Dir(dirs[0])
}

// stop ends a process group: TERM, then KILL after 10s.
func stop(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// certificate writes a self-signed certificate for 127.0.0.1 into dir and
// returns its path as a CA bundle and as a pool.
func certificate(t testing.TB, dir string) (string, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, pool
}

// CreateUser creates a password user <username>@example.com in the default
// organization with the given site roles, and returns its id.
func (s *Server) CreateUser(t testing.TB, username string, roles ...string) string {
	t.Helper()
	ctx := context.Background()
	var org, user struct {
		ID string `json:"id"`
	}
	if err := s.Do(ctx, "GET", "/organizations/default", nil, &org); err != nil {
		t.Fatal(err)
	}
	if err := s.Do(ctx, "POST", "/users", map[string]any{
		"email": username + "@example.com", "username": username, "password": "Pa55word-of-" + username + "-long!",
		"login_type": "password", "organization_ids": []string{org.ID},
	}, &user); err != nil {
		t.Fatal(err)
	}
	if len(roles) > 0 {
		if err := s.Do(ctx, "PUT", "/users/"+user.ID+"/roles", map[string]any{"roles": roles}, nil); err != nil {
			t.Fatal(err)
		}
	}
	return user.ID
}

// Client is an HTTP client that trusts the server's certificate.
func (s *Server) Client() *http.Client { return s.client }
