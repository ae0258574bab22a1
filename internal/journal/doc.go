// Package journal is the durable record of an upgrade's execution: an
// append-only file of JSON lines, each written and fsynced before the
// mutation it announces is sent. It records the original state of what a
// step changes (replicas, cordon state) before the change, so that after a
// crash at any point a resumed run knows what is done, what was in flight,
// and what must still be restored.
package journal
