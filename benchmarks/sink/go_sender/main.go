// The Go baseline for the sink benchmark: the same job as python_sender.py, written the way Go
// webhook senders (Convoy, Hookdeck Outpost) do it — confluent-kafka-go reads the partner topic
// (read_committed), goavro decodes each record (Confluent framing), the body is rendered as
// python_sender.py renders it, signed with crypto/hmac (Standard Webhooks plus the simple hex
// HMAC) and POSTed with net/http by CONNECTIONS worker goroutines over as many keep-alive
// connections, fed by a bounded channel. It keeps no per-payment order and no durable retries
// (which only makes it faster). Prints one JSON line, timed from the first 2xx to the last.
// Usage: go-sender BOOTSTRAP TOPIC COUNT SCHEMA_FILE URL [CONNECTIONS]
// (built and run by benchmarks/run.sh sink; it runs on the wheel's librdkafka through
// LD_LIBRARY_PATH, as the other implementations do: Debian's 2.0 lacks fetch.queue.backoff.ms.)
package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/ioutil"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/confluentinc/confluent-kafka-go/kafka"
	"github.com/linkedin/goavro"
)

// The same secret as python_sender.py's SECRET.
var secret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("benchmark-partner-secret"))

type field struct {
	name  string
	union bool // ["null", T]: goavro gives nil or map{"T": value}
}

type stats struct {
	sync.Mutex
	first, last time.Time
	delivered   int
}

func main() {
	if len(os.Args) < 6 {
		fmt.Fprintln(os.Stderr, "usage: go-sender BOOTSTRAP TOPIC COUNT SCHEMA_FILE URL [CONNECTIONS]")
		os.Exit(2)
	}
	bootstrap, topic, schemaFile, url := os.Args[1], os.Args[2], os.Args[4], os.Args[5]
	count, err := strconv.Atoi(os.Args[3])
	check(err)
	connections := 64
	if len(os.Args) > 6 {
		connections, err = strconv.Atoi(os.Args[6])
		check(err)
	}
	schema, err := ioutil.ReadFile(schemaFile)
	check(err)
	codec, err := goavro.NewCodec(string(schema))
	check(err)
	fields := recordFields(schema)
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	check(err)

	client := &http.Client{Transport: &http.Transport{
		MaxIdleConns: connections, MaxIdleConnsPerHost: connections, MaxConnsPerHost: connections,
		IdleConnTimeout: 90 * time.Second,
	}}
	values := make(chan []byte, 10000)
	consumerDone := make(chan struct{})
	go consume(bootstrap, topic, count, values, consumerDone)

	var st stats
	var workers sync.WaitGroup
	for i := 0; i < connections; i++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for value := range values {
				send(client, url, codec, fields, key, value, &st)
			}
		}()
	}
	workers.Wait()
	<-consumerDone

	seconds := st.last.Sub(st.first).Seconds()
	perSecond := 0.0
	if seconds > 0 {
		perSecond = float64(st.delivered) / seconds
	}
	line, _ := json.Marshal(struct {
		Impl        string  `json:"impl"`
		Connections int     `json:"connections"`
		Records     int     `json:"records"`
		Delivered   int     `json:"delivered"`
		Seconds     float64 `json:"seconds"`
		PerSecond   float64 `json:"per_second"`
	}{"go-net-http-goavro", connections, count, st.delivered, seconds, perSecond})
	fmt.Println(string(line))
}

// Reads COUNT records from the topic and hands their values to the workers, then closes the channel.
func consume(bootstrap, topic string, count int, values chan<- []byte, done chan<- struct{}) {
	defer close(done)
	id := make([]byte, 8)
	rand.Read(id)
	consumer, err := kafka.NewConsumer(&kafka.ConfigMap{
		"bootstrap.servers": bootstrap, "group.id": "go-sender-" + hex.EncodeToString(id),
		"auto.offset.reset": "earliest", "enable.auto.commit": true, "isolation.level": "read_committed",
		// As the sink's consumer (see ConsumerConfiguration.fetchQueueBackoff).
		"fetch.queue.backoff.ms": 10,
	})
	check(err)
	check(consumer.SubscribeTopics([]string{topic}, nil))
	for seen := 0; seen < count; {
		if message, ok := consumer.Poll(100).(*kafka.Message); ok && message.TopicPartition.Error == nil {
			values <- message.Value
			seen++
		}
	}
	close(values)
	consumer.Close()
}

// Decodes, renders, signs and POSTs one record; counts it when the receiver answers 2xx.
func send(client *http.Client, url string, codec *goavro.Codec, fields []field, key, value []byte, st *stats) {
	native, _, err := codec.NativeFromBinary(value[5:])
	check(err)
	record := native.(map[string]interface{})
	body := render(record, fields)
	eventID := record["eventId"].(string)
	timestamp := strconv.FormatInt(time.Now().Unix(), 10)

	standard := hmac.New(sha256.New, key)
	standard.Write([]byte(eventID + "." + timestamp + "."))
	standard.Write(body)
	simple := hmac.New(sha256.New, key)
	simple.Write(body)

	request, err := http.NewRequest("POST", url, bytes.NewReader(body))
	check(err)
	// Set directly, not through Header.Set, to send the names as written.
	request.Header["Content-Type"] = []string{"application/json"}
	request.Header["webhook-id"] = []string{eventID}
	request.Header["webhook-timestamp"] = []string{timestamp}
	request.Header["webhook-signature"] = []string{"v1," + base64.StdEncoding.EncodeToString(standard.Sum(nil))}
	request.Header["X-Webhook-Signature"] = []string{"sha256=" + hex.EncodeToString(simple.Sum(nil))}
	request.Header["X-Correlation-ID"] = []string{record["correlationId"].(string)}
	request.Header["X-Tenant-ID"] = []string{record["tenantId"].(string)}
	response, err := client.Do(request)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-sender:", err)
		return
	}
	io.Copy(ioutil.Discard, response.Body) // read to the end, so that the connection is reused
	response.Body.Close()
	if response.StatusCode >= 200 && response.StatusCode < 300 {
		now := time.Now()
		st.Lock()
		if st.delivered == 0 {
			st.first = now
		}
		st.delivered++
		if now.After(st.last) {
			st.last = now
		}
		st.Unlock()
	}
}

// The record's fields in schema order, as fastavro gives them to json.dumps.
func recordFields(schema []byte) []field {
	var parsed struct {
		Fields []struct {
			Name string          `json:"name"`
			Type json.RawMessage `json:"type"`
		} `json:"fields"`
	}
	check(json.Unmarshal(schema, &parsed))
	fields := make([]field, len(parsed.Fields))
	for i, f := range parsed.Fields {
		fields[i] = field{f.Name, bytes.HasPrefix(bytes.TrimSpace(f.Type), []byte("["))}
	}
	return fields
}

// The body as python_sender.py renders it: json.dumps(record, separators=(",", ":")), with the
// timestamp as ISO-8601 UTC with milliseconds and Z.
func render(record map[string]interface{}, fields []field) []byte {
	out := make([]byte, 0, 1024)
	out = append(out, '{')
	for i, f := range fields {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendString(out, f.name)
		out = append(out, ':')
		value := record[f.name]
		if branch, ok := value.(map[string]interface{}); ok && f.union {
			for _, v := range branch {
				value = v
			}
		}
		out = appendValue(out, value)
	}
	return append(out, '}')
}

func appendValue(out []byte, value interface{}) []byte {
	switch v := value.(type) {
	case nil:
		return append(out, "null"...)
	case string:
		return appendString(out, v)
	case bool:
		return strconv.AppendBool(out, v)
	case int32:
		return strconv.AppendInt(out, int64(v), 10)
	case int64:
		return strconv.AppendInt(out, v, 10)
	case float32:
		return appendFloat(out, float64(v))
	case float64:
		return appendFloat(out, v)
	case time.Time:
		return appendString(out, v.UTC().Format("2006-01-02T15:04:05.000Z"))
	case map[string]interface{}: // an Avro map (metadata): keys sorted
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out = append(out, '{')
		for i, k := range keys {
			if i > 0 {
				out = append(out, ',')
			}
			out = appendValue(append(appendString(out, k), ':'), v[k])
		}
		return append(out, '}')
	case []interface{}:
		out = append(out, '[')
		for i, item := range v {
			if i > 0 {
				out = append(out, ',')
			}
			out = appendValue(out, item)
		}
		return append(out, ']')
	}
	panic(fmt.Sprintf("go-sender: no JSON for %T", value))
}

// Python's float repr: the shortest digits, fixed notation with ".0" when integral, exponent
// notation outside 1e-4 <= |x| < 1e16.
func appendFloat(out []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(out, "NaN"...)
	case math.IsInf(v, 1):
		return append(out, "Infinity"...)
	case math.IsInf(v, -1):
		return append(out, "-Infinity"...)
	}
	if a := math.Abs(v); a != 0 && (a < 1e-4 || a >= 1e16) {
		return strconv.AppendFloat(out, v, 'e', -1, 64)
	}
	start := len(out)
	out = strconv.AppendFloat(out, v, 'f', -1, 64)
	if bytes.IndexByte(out[start:], '.') < 0 {
		out = append(out, ".0"...)
	}
	return out
}

// A JSON string as json.dumps writes it (ensure_ascii): non-ASCII as \uXXXX escapes.
func appendString(out []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	out = append(out, '"')
	for _, r := range s {
		switch {
		case r == '"':
			out = append(out, '\\', '"')
		case r == '\\':
			out = append(out, '\\', '\\')
		case r == '\n':
			out = append(out, '\\', 'n')
		case r == '\r':
			out = append(out, '\\', 'r')
		case r == '\t':
			out = append(out, '\\', 't')
		case r == '\b':
			out = append(out, '\\', 'b')
		case r == '\f':
			out = append(out, '\\', 'f')
		case r < 0x20 || r > 0x7e:
			if r == utf8.RuneError {
				r = 0xfffd
			}
			units := []rune{r}
			if r > 0xffff {
				r -= 0x10000
				units = []rune{0xd800 + r>>10, 0xdc00 + r&0x3ff}
			}
			for _, u := range units {
				out = append(out, '\\', 'u', hexDigits[u>>12&0xf], hexDigits[u>>8&0xf], hexDigits[u>>4&0xf], hexDigits[u&0xf])
			}
		default:
			out = append(out, byte(r))
		}
	}
	return append(out, '"')
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-sender:", err)
		os.Exit(1)
	}
}
