package ekstest

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
)

// Credentials are static test credentials: the SDK signs every request
// with them (SigV4), and the server checks that requests are signed.
var Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "AKIAEKSTEST000000000", SecretAccessKey: "ekstest-secret", Source: "ekstest"}, nil
})

// Client returns the official EKS client pointed at the server: region
// Region, static Credentials, the server's HTTP client, and the SDK's
// standard retryer (three attempts, throttling and 5xx retried) with its
// backoff cut to a millisecond so that tests stay fast. optFns change any
// of it.
func (s *Server) Client(optFns ...func(*awseks.Options)) *awseks.Client {
	opts := awseks.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  Credentials,
		HTTPClient:   s.HTTPClient(),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		}),
	}
	return awseks.New(opts, optFns...)
}
