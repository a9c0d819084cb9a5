// openapi-post: the post-processor of scripts/gen-openapi (see main.go). Its
// own module, so that it pins its one dependency (the YAML parser gnostic
// itself uses) and stays out of the clients' modules.
module github.com/roster-dev/roster/scripts/openapi

go 1.23

require go.yaml.in/yaml/v3 v3.0.4
