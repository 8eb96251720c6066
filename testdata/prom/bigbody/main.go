// Command bigbody is a fake Prometheus for scripts/bench-bigbody.sh: it
// answers every range query with a valid matrix of about -mb megabytes,
// built once and streamed in 1 MiB writes (no Content-Length, as Prometheus
// sends large answers), so that the peak memory of the client reading it can be measured.
// The series are 2024-01-01T00:00:00Z to 01:00:00Z at 15 s, each with its
// own label set; as many as it takes to reach the size.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	mb := flag.Int("mb", 300, "size of each answer in megabytes")
	addrFile := flag.String("addr-file", "", "write the listening address to this file")
	flag.Parse()
	size := int64(*mb) << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte("http://"+ln.Addr().String()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	body := matrix(size)
	log.Fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for i := 0; i < len(body); i += 1 << 20 {
			if _, err := w.Write(body[i:min(i+1<<20, len(body))]); err != nil {
				return // the client gave up
			}
		}
	})))
}

// matrix builds the answer once: series of the window's points until size bytes.
func matrix(size int64) []byte {
	var b bytes.Buffer
	b.Grow(int(size) + 1<<20)
	b.WriteString(`{"status":"success","data":{"resultType":"matrix","result":[`)
	for i := 0; int64(b.Len()) < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"metric":{"pod":"pod-%d"},"values":[`, i)
		for ts := int64(1704067200); ts <= 1704070800; ts += 15 {
			if ts > 1704067200 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `[%d,"0.%d"]`, ts, ts%997)
		}
		b.WriteString("]}")
	}
	b.WriteString("]}}")
	return b.Bytes()
}
