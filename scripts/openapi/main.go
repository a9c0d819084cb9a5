// Command openapi-post turns the OpenAPI 3 document that gnostic's
// protoc-gen-openapi makes of proto/roster/v1/user.proto (YAML, the only form
// it writes) into docs/openapi.json, fixing on the way the places where
// gnostic's picture of the JSON differs from what roster serves at /api/.
// scripts/gen-openapi runs it; see that script for the whole pipeline.
//
// Usage: go run . -image IMAGE.json -in openapi.yaml -out docs/openapi.json
//
// IMAGE.json is `buf build --path proto/roster/v1/user.proto -o IMAGE.json`:
// the compiled descriptors, read to learn which fields are int64 or
// google.protobuf.Struct and which RPCs (with which google.api.http routes)
// the document must hold. Reading them, rather than listing fields here,
// keeps the fixes right when the proto gains a field.
//
// The post-processing steps, each deterministic:
//
//  1. int64 fields (created_at, updated_at, ...): gnostic writes them as
//     `type: string`, the proto3 JSON default; roster prints int64 as JSON
//     numbers, so they become `type: integer, format: int64` (uint64 and
//     fixed64: `format: uint64`), in arrays too.
//  2. google.protobuf.Struct fields: gnostic writes `type: object`; they get
//     `additionalProperties: true` too, saying outright that any JSON object
//     is accepted.
//  3. Errors: gnostic runs with default_response=false (its default response
//     is google.rpc.Status, `{code: <number>, message, details}`, which is not
//     roster's body). An `Error` schema describes roster's
//     `{"detail", "code", "details"}` body, and every operation gets a
//     `default` response with it.
//  4. Security: an HTTP bearer scheme (`Authorization: Bearer <access key>`),
//     required at the document's top level, so for every operation.
//  5. Descriptions: gnostic keeps the space after `//` on every line but the
//     first of a proto comment; it is removed, so the text reads as written.
//  6. Checks, failing the run: every RPC of the proto's services is exactly one
//     POST operation at its google.api.http path, and every schema is a
//     message of the generated package whose int64 and Struct fields were all
//     found.
//
// JSON is written with gnostic's key order (proto order for fields), two
// spaces of indentation, no HTML escaping and a final newline.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The descriptor image, as much of it as is read (protojson field names).
type image struct {
	File []struct {
		Name        string    `json:"name"`
		Package     string    `json:"package"`
		MessageType []message `json:"messageType"`
		Service     []struct {
			Name   string `json:"name"`
			Method []struct {
				Name    string `json:"name"`
				Options struct {
					HTTP *struct {
						Post string `json:"post"`
						Body string `json:"body"`
					} `json:"[google.api.http]"`
				} `json:"options"`
			} `json:"method"`
		} `json:"service"`
	} `json:"file"`
}

type message struct {
	Name  string `json:"name"`
	Field []struct {
		Name     string `json:"name"`
		Label    string `json:"label"`
		Type     string `json:"type"`
		TypeName string `json:"typeName"`
	} `json:"field"`
	NestedType []message `json:"nestedType"`
}

// The gRPC status codes an error body's `code` can hold, by name.
var grpcCodes = []string{
	"CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
	"FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
	"INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
}

const errorSchema = `
type: object
description: |-
  The body of every error answer. The HTTP status (4xx or 5xx) follows
  ` + "`code`" + `.
required: [detail, code, details]
properties:
  detail:
    type: string
    description: The error's message, as the gRPC status message.
  code:
    type: string
    description: The gRPC status code's name.
    enum: [%s]
  details:
    type: array
    description: |-
      The status's details in proto3 JSON, each with its ` + "`@type`" + `:
      google.rpc.BadRequest for INVALID_ARGUMENT (the offending field),
      google.rpc.ErrorInfo (a stable ` + "`reason`" + `, domain roster.v1) for
      PERMISSION_DENIED, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION and
      RESOURCE_EXHAUSTED; empty otherwise.
    items:
      type: object
      additionalProperties: true
      properties:
        '@type':
          type: string
          description: The detail's type URL, e.g. type.googleapis.com/google.rpc.BadRequest.
`

const errorResponse = `
description: An error.
content:
  application/json:
    schema:
      $ref: '#/components/schemas/Error'
`

const securityScheme = `
type: http
scheme: bearer
description: 'A roster access key: ` + "`Authorization: Bearer <key>`" + `.'
`

func main() {
	imagePath := flag.String("image", "", "buf image of the proto, as JSON")
	in := flag.String("in", "", "gnostic's openapi.yaml")
	out := flag.String("out", "", "the JSON document to write")
	flag.Parse()
	if *imagePath == "" || *in == "" || *out == "" {
		fail("usage: openapi-post -image IMAGE.json -in openapi.yaml -out openapi.json")
	}
	var img image
	raw, err := os.ReadFile(*imagePath)
	check(err)
	check(json.Unmarshal(raw, &img))
	raw, err = os.ReadFile(*in)
	check(err)
	var doc yaml.Node
	check(yaml.Unmarshal(raw, &doc))
	root := doc.Content[0]

	fixFields(root, &img)
	addErrors(root)
	addSecurity(root)
	checkOperations(root, &img)
	walkDescriptions(root)

	var buf bytes.Buffer
	writeJSON(&buf, root, "")
	buf.WriteByte('\n')
	check(os.WriteFile(*out, buf.Bytes(), 0o644))
}

// fixFields does steps 1 and 2 and the schema half of step 6.
func fixFields(root *yaml.Node, img *image) {
	// The package gnostic generated: the one that has services.
	pkg := ""
	for _, f := range img.File {
		if len(f.Service) > 0 {
			pkg = f.Package
		}
	}
	// Schema name -> message, named as gnostic names them without
	// fq_schema_naming (a nested message is Parent_Name).
	messages := map[string]message{}
	var add func(prefix string, m message)
	add = func(prefix string, m message) {
		name := prefix + m.Name
		if _, dup := messages[name]; dup {
			fail("two messages would share the schema name %s", name)
		}
		messages[name] = m
		for _, n := range m.NestedType {
			add(m.Name+"_", n)
		}
	}
	for _, f := range img.File {
		if f.Package == pkg {
			for _, m := range f.MessageType {
				add("", m)
			}
		}
	}
	schemas := get(get(root, "components"), "schemas")
	if schemas == nil {
		fail("no components.schemas in gnostic's output")
	}
	for i := 0; i < len(schemas.Content); i += 2 {
		name := schemas.Content[i].Value
		m, ok := messages[name]
		if !ok {
			fail("schema %s is no message of package %s: review scripts/openapi/main.go", name, pkg)
		}
		props := get(schemas.Content[i+1], "properties")
		for _, f := range m.Field {
			var fix string
			switch f.Type {
			case "TYPE_INT64", "TYPE_SINT64", "TYPE_SFIXED64":
				fix = "int64"
			case "TYPE_UINT64", "TYPE_FIXED64":
				fix = "uint64"
			case "TYPE_MESSAGE":
				if f.TypeName == ".google.protobuf.Struct" {
					fix = "struct"
				}
			}
			if fix == "" {
				continue
			}
			p := get(props, f.Name)
			if p == nil {
				fail("schema %s has no property %s", name, f.Name)
			}
			if f.Label == "LABEL_REPEATED" {
				if p = get(p, "items"); p == nil {
					fail("schema %s: repeated %s has no items", name, f.Name)
				}
			}
			t := get(p, "type")
			switch {
			case fix == "struct" && t != nil && t.Value == "object":
				set(p, "additionalProperties", node("true"))
			case fix != "struct" && t != nil && t.Value == "string":
				t.Value = "integer"
				insertAfter(p, "type", "format", node(fix))
			default:
				fail("schema %s: property %s is not what gnostic used to write", name, f.Name)
			}
		}
	}
}

// addErrors does step 3.
func addErrors(root *yaml.Node) {
	components := get(root, "components")
	if get(get(components, "schemas"), "Error") != nil {
		fail("a message is named Error: rename the error schema in scripts/openapi/main.go")
	}
	set(get(components, "schemas"), "Error",
		node(fmt.Sprintf(errorSchema, strings.Join(grpcCodes, ", "))))
	set(components, "responses", node("Error:\n"+indent(errorResponse)))
	forEachOperation(root, func(_, _ string, op *yaml.Node) {
		responses := get(op, "responses")
		if get(responses, "default") != nil {
			fail("gnostic wrote a default response; is default_response=false set?")
		}
		set(responses, "default", node("$ref: '#/components/responses/Error'"))
	})
}

// addSecurity does step 4.
func addSecurity(root *yaml.Node) {
	components := get(root, "components")
	set(components, "securitySchemes", node("accessKey:\n"+indent(securityScheme)))
	// Top-level security applies to every operation; put it after info.
	insertAfter(root, "info", "security", node("- accessKey: []"))
}

// checkOperations does the operation half of step 6.
func checkOperations(root *yaml.Node, img *image) {
	want := map[string]string{} // operationId -> path
	for _, f := range img.File {
		for _, s := range f.Service {
			for _, m := range s.Method {
				h := m.Options.HTTP
				if h == nil || h.Post == "" || h.Body != "*" {
					fail("%s.%s has no google.api.http post with body \"*\"", s.Name, m.Name)
				}
				want[s.Name+"_"+m.Name] = h.Post
			}
		}
	}
	forEachOperation(root, func(path, method string, op *yaml.Node) {
		id := get(op, "operationId")
		if method != "post" || id == nil || want[id.Value] != path {
			fail("unexpected operation %s %s", method, path)
		}
		delete(want, id.Value)
	})
	for id := range want {
		fail("RPC %s has no operation", id)
	}
}

// walkDescriptions does step 5.
func walkDescriptions(n *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i < len(n.Content); i += 2 {
			if n.Content[i].Value == "description" && n.Content[i+1].Kind == yaml.ScalarNode {
				n.Content[i+1].Value = strings.ReplaceAll(n.Content[i+1].Value, "\n ", "\n")
			}
		}
	}
	for _, c := range n.Content {
		walkDescriptions(c)
	}
}

func forEachOperation(root *yaml.Node, f func(path, method string, op *yaml.Node)) {
	paths := get(root, "paths")
	if paths == nil {
		fail("no paths in gnostic's output")
	}
	for i := 0; i < len(paths.Content); i += 2 {
		item := paths.Content[i+1]
		for j := 0; j < len(item.Content); j += 2 {
			f(paths.Content[i].Value, item.Content[j].Value, item.Content[j+1])
		}
	}
}

// get returns the value of key in mapping m, or nil.
func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// set replaces key's value in mapping m, or appends key.
func set(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

// insertAfter inserts key: v into mapping m right after the key after.
func insertAfter(m *yaml.Node, after, key string, v *yaml.Node) {
	for i := 0; i < len(m.Content); i += 2 {
		if m.Content[i].Value == after {
			k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
			rest := append([]*yaml.Node{k, v}, m.Content[i+2:]...)
			m.Content = append(m.Content[:i+2], rest...)
			return
		}
	}
	fail("no %s to insert %s after", after, key)
}

// node parses a YAML snippet.
func node(src string) *yaml.Node {
	var n yaml.Node
	check(yaml.Unmarshal([]byte(src), &n))
	return n.Content[0]
}

func indent(s string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "\n")
}

// writeJSON writes n as JSON, keeping the order of mapping keys.
func writeJSON(b *bytes.Buffer, n *yaml.Node, pad string) {
	switch n.Kind {
	case yaml.AliasNode:
		writeJSON(b, n.Alias, pad)
	case yaml.MappingNode, yaml.SequenceNode:
		open, close, step := "{", "}", 2
		if n.Kind == yaml.SequenceNode {
			open, close, step = "[", "]", 1
		}
		if len(n.Content) == 0 {
			b.WriteString(open + close)
			return
		}
		b.WriteString(open + "\n")
		inner := pad + "  "
		for i := 0; i < len(n.Content); i += step {
			b.WriteString(inner)
			if step == 2 {
				writeString(b, n.Content[i].Value)
				b.WriteString(": ")
			}
			writeJSON(b, n.Content[i+step-1], inner)
			if i+step < len(n.Content) {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(pad + close)
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			writeString(b, n.Value)
		case "!!bool":
			v, err := strconv.ParseBool(n.Value)
			check(err)
			b.WriteString(strconv.FormatBool(v))
		case "!!int":
			v, err := strconv.ParseInt(n.Value, 0, 64)
			check(err)
			b.WriteString(strconv.FormatInt(v, 10))
		case "!!float":
			v, err := strconv.ParseFloat(n.Value, 64)
			check(err)
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		case "!!null":
			b.WriteString("null")
		default:
			fail("unexpected YAML scalar %s %q", n.ShortTag(), n.Value)
		}
	default:
		fail("unexpected YAML node kind %d", n.Kind)
	}
}

func writeString(b *bytes.Buffer, s string) {
	var sb bytes.Buffer
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	check(enc.Encode(s))
	b.Write(bytes.TrimSuffix(sb.Bytes(), []byte("\n")))
}

func check(err error) {
	if err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "openapi-post: "+format+"\n", args...)
	os.Exit(1)
}
