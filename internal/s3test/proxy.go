package s3test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fault is what the proxy does to a request instead of passing it on.
type Fault int

// The faults a Proxy injects.
const (
	SlowDown     Fault = iota + 1 // 503 SlowDown (throttling)
	InternalErr                   // 500 InternalError
	Drop                          // send the headers and half the body, then close the connection
	AccessDenied                  // 403 AccessDenied
	Archived                      // 403 InvalidObjectState (in Glacier)
)

func (f Fault) String() string {
	switch f {
	case SlowDown:
		return "503 SlowDown"
	case InternalErr:
		return "500 InternalError"
	case Drop:
		return "dropped connection"
	case AccessDenied:
		return "403 AccessDenied"
	case Archived:
		return "403 InvalidObjectState"
	}
	return "none"
}

// Proxy sits between a client and a Server (path-style requests only). It
// counts listings and downloads, and injects faults into GetObject
// requests for chosen keys.
type Proxy struct {
	// URL is the proxy's endpoint; give it to the client as its endpoint.
	URL string
	// Latency delays every request, as a distant server would. Set it
	// before the first request.
	Latency time.Duration

	target    *url.URL
	transport *http.Transport

	mu     sync.Mutex
	faults map[string]*rule // by bucket/key
	stats  Stats
}

type rule struct {
	fault Fault
	left  int // faults left to inject; < 0 forever
}

// Stats counts the requests a proxy saw.
type Stats struct {
	ListCalls  int            // ListObjectsV2 requests
	ListedKeys int            // <Key> and <Prefix> entries in their answers
	Gets       map[string]int // object GET requests by bucket/key
	Faults     int            // faults injected
}

// GetTotal returns the number of object GET requests.
func (s Stats) GetTotal() int {
	n := 0
	for _, c := range s.Gets {
		n += c
	}
	return n
}

// NewProxy starts a proxy in front of srv, closed when the test ends.
func NewProxy(tb testing.TB, srv *Server) *Proxy {
	tb.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{
		target:    u,
		transport: &http.Transport{MaxIdleConnsPerHost: 64},
		faults:    map[string]*rule{},
		stats:     Stats{Gets: map[string]int{}},
	}
	hs := httptest.NewServer(p)
	tb.Cleanup(func() {
		hs.Close()
		p.transport.CloseIdleConnections()
	})
	p.URL = hs.URL
	return p
}

// Inject makes the next times GET requests of bucket/key fail with f;
// times < 0 means every request.
func (p *Proxy) Inject(bucket, key string, f Fault, times int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults[bucket+"/"+key] = &rule{fault: f, left: times}
}

// Stats returns a copy of the counts so far.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.Gets = make(map[string]int, len(p.stats.Gets))
	for k, v := range p.stats.Gets {
		s.Gets[k] = v
	}
	return s
}

// ResetStats zeroes the counts.
func (p *Proxy) ResetStats() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats = Stats{Gets: map[string]int{}}
}

// ServeHTTP forwards one request, or answers it with a fault.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	isList := r.Method == http.MethodGet && key == "" && r.URL.Query().Get("list-type") == "2"
	q := r.URL.Query()
	isGet := r.Method == http.MethodGet && key != "" && (r.URL.RawQuery == "" || q.Get("x-id") == "GetObject")
	fault := Fault(0)
	p.mu.Lock()
	if isList {
		p.stats.ListCalls++
	}
	if isGet {
		p.stats.Gets[bucket+"/"+key]++
		if ru := p.faults[bucket+"/"+key]; ru != nil && ru.left != 0 {
			fault = ru.fault
			ru.left--
			p.stats.Faults++
		}
	}
	p.mu.Unlock()
	if p.Latency > 0 {
		time.Sleep(p.Latency)
	}
	switch fault {
	case SlowDown:
		writeS3Error(w, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.", key)
		return
	case InternalErr:
		writeS3Error(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.", key)
		return
	case AccessDenied:
		writeS3Error(w, http.StatusForbidden, "AccessDenied", "Access Denied", key)
		return
	case Archived:
		writeS3Error(w, http.StatusForbidden, "InvalidObjectState", "The operation is not valid for the object's storage class", key)
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host = p.target.Scheme, p.target.Host
	// The signature covers the Host header: keep the one the client sent.
	out.Host = r.Host
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	if isList {
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		n := bytes.Count(body, []byte("<Key>")) + bytes.Count(body, []byte("<CommonPrefixes>"))
		p.mu.Lock()
		p.stats.ListedKeys += n
		p.mu.Unlock()
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
		return
	}
	w.WriteHeader(resp.StatusCode)
	if fault == Drop && resp.ContentLength > 1 {
		io.CopyN(w, resp.Body, resp.ContentLength/2)
		w.(http.Flusher).Flush()
		// Aborting the handler closes the connection mid-body, as a
		// network failure would.
		panic(http.ErrAbortHandler)
	}
	io.Copy(w, resp.Body)
}

func writeS3Error(w http.ResponseWriter, status int, code, msg, key string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><Key>%s</Key><RequestId>s3test</RequestId></Error>`, code, msg, key)
}
