// Package execute runs an upgrade plan: steps start as soon as the steps
// they follow are done and no step they exclude is running, up to a bound
// on parallelism. Every step is journalled (begin, original states,
// intents, done) before it changes anything, and every step is idempotent,
// so a run stopped at any point — even by SIGKILL — resumes from the
// journal. When a run stops early it restores what it relaxed or cordoned,
// and a resumed run does those steps again.
package execute
