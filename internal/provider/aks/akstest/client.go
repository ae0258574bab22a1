package akstest

import (
	"context"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Audience is the Resource Manager audience of the server's cloud: the
// SDK asks its credential for a token scoped to Audience + "/.default".
const Audience = "https://management.akstest.invalid"

// Token is the bearer token Credential hands out and the server wants.
const Token = "akstest-static-bearer-token"

// Credential is a static azcore.TokenCredential: it hands out Token for
// the scope Audience + "/.default" and refuses any other scope, so that a
// client configured for another cloud fails loudly.
var Credential azcore.TokenCredential = staticCredential{}

type staticCredential struct{}

func (staticCredential) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	want := Audience + "/.default"
	if len(opts.Scopes) != 1 || opts.Scopes[0] != want {
		return azcore.AccessToken{}, fmt.Errorf("akstest credential: token asked for scopes %v, want [%s]", opts.Scopes, want)
	}
	return azcore.AccessToken{Token: Token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// Cloud is a cloud configuration whose Resource Manager is the server.
// Both the endpoint and the audience must be set: arm.NewClient refuses a
// Resource Manager configuration without either.
func (s *Server) Cloud() cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: s.URL + "/login/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: s.URL, Audience: Audience},
		},
	}
}

// ClientOptions are the ARM client options that point the official
// clients at the server: its Cloud, an HTTP client trusting its TLS
// certificate, and azcore's retry policy (three retries of 408, 429 and
// 5xx answers, honouring Retry-After) with its backoff cut to a
// millisecond so that tests stay fast.
func (s *Server) ClientOptions() *arm.ClientOptions {
	return &arm.ClientOptions{ClientOptions: policy.ClientOptions{
		Cloud:     s.Cloud(),
		Transport: s.HTTPClient(),
		Retry: policy.RetryOptions{
			MaxRetries:    3,
			RetryDelay:    time.Millisecond,
			MaxRetryDelay: 5 * time.Second,
		},
	}}
}
