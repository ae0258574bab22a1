package runreport

import (
	"bytes"
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/kubehop/kubehop/internal/check"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/verify"
)

//go:embed templates/report.html.tmpl
var reportHTML string

var htmlTemplate = template.Must(template.New("report").Parse(reportHTML))

// HTML writes the report as one self-contained HTML page: inline CSS and
// SVG, no script and nothing loaded from elsewhere.
func HTML(w io.Writer, r *Report) error {
	if r == nil {
		return errors.New("rendering the HTML report: no report")
	}
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, newPage(r)); err != nil {
		return fmt.Errorf("rendering the HTML report: %w", err)
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("writing the HTML report: %w", err)
	}
	return nil
}

// page is what the HTML template shows.
type page struct {
	R         *Report
	Status    string // CSS class of the run's status
	Started   string
	Finished  string
	Duration  string
	Generated string
	Graph     *graph
	Timeline  *timeline
	Budgets   []budgetSummary
	Findings  []findingRow
	Verify    *verifyView
	Checklist []ChecklistItem
	// FailedSteps are the steps that failed or recorded an error.
	FailedSteps []StepRun
}

func newPage(r *Report) *page {
	return &page{
		R:           r,
		Status:      statusClass(r.Status),
		Started:     wallTime(r.Started),
		Finished:    wallTime(r.Finished),
		Duration:    runDuration(r),
		Generated:   wallTime(r.GeneratedAt),
		Graph:       newGraph(r),
		Timeline:    newTimeline(r),
		Budgets:     summarizeBudgets(r),
		Findings:    findingRows(r.Findings),
		Verify:      newVerifyView(r.Verify),
		Checklist:   r.Checklist,
		FailedSteps: stepErrors(r),
	}
}

// stepErrors are the steps that failed or recorded an error.
func stepErrors(r *Report) []StepRun {
	var out []StepRun
	for _, s := range r.Steps {
		if s.Status == "failed" || s.Error != "" {
			out = append(out, s)
		}
	}
	return out
}

// statusClass is the CSS class of a run's, step's or node's status.
func statusClass(status string) string {
	switch status {
	case "succeeded", "done", "deleted", "upgraded", "drained":
		return "ok"
	case "failed":
		return "failed"
	case "in progress", "running", "draining":
		return "running"
	}
	return "pending"
}

// findingRow is a check finding as the findings table shows it.
type findingRow struct {
	check.Finding
	// Where is the manifest's file and line, or the Helm release, it was
	// read from.
	Where string
}

func findingRows(fs []check.Finding) []findingRow {
	var out []findingRow
	for _, f := range fs {
		out = append(out, findingRow{Finding: f, Where: findingLocation(f)})
	}
	return out
}

// findingLocation is where a manifest finding was read, or "".
func findingLocation(f check.Finding) string {
	l := f.Location
	if l == nil {
		return ""
	}
	where := l.File
	if l.Line > 0 {
		where += fmt.Sprintf(":%d", l.Line)
	}
	if l.HelmRelease != "" {
		where = strings.TrimPrefix(where+" (Helm release "+l.HelmRelease+")", " ")
	}
	return where
}

// verifyView is the verification section.
type verifyView struct {
	OK       bool
	Result   *verify.Result
	Errors   int
	Time     string
	Baseline string
	Events   []eventRow
}

// eventRow is a summary of Warning events as the events table shows it.
type eventRow struct {
	verify.EventSummary
	ObjectList string
	LastText   string
}

func newVerifyView(v *verify.Result) *verifyView {
	if v == nil {
		return nil
	}
	out := &verifyView{OK: v.OK(), Result: v, Errors: len(v.Errors()), Time: wallTime(v.Time)}
	if v.Baseline != nil {
		out.Baseline = wallTime(*v.Baseline)
	}
	for _, e := range v.Events {
		out.Events = append(out.Events, eventRow{EventSummary: e, ObjectList: objectList(e.Objects, 5), LastText: wallTime(e.Last)})
	}
	return out
}

// objectList names up to n objects and how many more there are.
func objectList(objs []string, n int) string {
	if len(objs) <= n {
		return strings.Join(objs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(objs[:n], ", "), len(objs)-n)
}

// The plan graph's geometry, in pixels.
const (
	boxW    = 200
	boxH    = 52
	colGap  = 56
	rowGap  = 14
	margin  = 12
	bulge   = 36 // how far a NotWith curve between boxes of a column bends out
	idChars = 28 // characters of a step ID that fit in a box
	txChars = 32 // characters of a title that fit in a box
)

// graph is the plan drawn as columns of boxes by dependency depth.
type graph struct {
	Width, Height int
	BoxW, BoxH    int
	Boxes         []box
	Edges         []edge
}

// box is one step of the plan graph.
type box struct {
	X, Y      int
	TextX     int    // left edge of its text
	Y1, Y2    int    // baselines of its ID and title
	Y3        int    // baseline of its status
	ID, Title string // truncated to fit
	Line3     string // status and duration
	Tooltip   string
	Status    string
}

// edge is an After arrow or, Dashed, a NotWith line.
type edge struct {
	D      string // SVG path data
	Dashed bool
	Title  string
}

// newGraph lays out the plan's steps; nil when there is no plan.
func newGraph(r *Report) *graph {
	if r.Plan == nil || len(r.Plan.Steps) == 0 {
		return nil
	}
	steps := r.Plan.Steps
	runs := stepRuns(r)
	cols := stepColumns(steps)
	g := &graph{BoxW: boxW, BoxH: boxH}
	pos := map[string][2]int{} // top-left corner of each step's box
	rows := map[int]int{}      // boxes placed in each column so far
	maxCol, maxRows := 0, 0
	for _, st := range steps {
		c := cols[st.ID]
		x := margin + c*(boxW+colGap)
		y := margin + rows[c]*(boxH+rowGap)
		rows[c]++
		pos[st.ID] = [2]int{x, y}
		maxCol, maxRows = max(maxCol, c), max(maxRows, rows[c])
		g.Boxes = append(g.Boxes, newBox(st, runs[st.ID], r, x, y))
	}
	g.Width = 2*margin + (maxCol+1)*boxW + maxCol*colGap + bulge
	g.Height = 2*margin + maxRows*(boxH+rowGap) - rowGap
	g.Edges = append(afterEdges(steps, pos), notWithEdges(steps, pos, cols)...)
	return g
}

// newBox is a step's box; run is nil for a step that did not run.
func newBox(st plan.Step, run *StepRun, r *Report, x, y int) box {
	status := "pending"
	line3 := "pending"
	if run != nil {
		status = run.Status
		line3 = run.Status
		if d, ok := stepDuration(run, reportEnd(r)); ok {
			line3 += " · " + fmtDuration(d)
		}
	}
	tip := st.ID + "\n" + st.Title + "\nstatus: " + status
	if run != nil && run.Error != "" {
		tip += "\nerror: " + run.Error
	}
	return box{X: x, Y: y, TextX: x + 8, Y1: y + 16, Y2: y + 31, Y3: y + 45, ID: truncate(st.ID, idChars), Title: truncate(st.Title, txChars), Line3: line3,
		Tooltip: tip, Status: statusClass(status)}
}

// stepColumns places each step one column right of the rightmost step it
// comes after. Unknown After IDs are ignored, and a cycle is cut where it
// is found.
func stepColumns(steps []plan.Step) map[string]int {
	byID := map[string]plan.Step{}
	for _, st := range steps {
		byID[st.ID] = st
	}
	cols := map[string]int{}
	visiting := map[string]bool{}
	var col func(id string) int
	col = func(id string) int {
		if c, ok := cols[id]; ok {
			return c
		}
		if visiting[id] {
			return -1
		}
		visiting[id] = true
		c := 0
		for _, a := range byID[id].After {
			if _, ok := byID[a]; ok {
				c = max(c, col(a)+1)
			}
		}
		visiting[id] = false
		cols[id] = c
		return c
	}
	for _, st := range steps {
		col(st.ID)
	}
	return cols
}

// afterEdges are arrows from each step's After steps to it.
func afterEdges(steps []plan.Step, pos map[string][2]int) []edge {
	var out []edge
	for _, st := range steps {
		to := pos[st.ID]
		for _, a := range st.After {
			from, ok := pos[a]
			if !ok {
				continue
			}
			x1, y1 := from[0]+boxW, from[1]+boxH/2
			x2, y2 := to[0]-2, to[1]+boxH/2
			mid := (x1 + x2) / 2
			out = append(out, edge{
				D:     fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x1, y1, mid, y1, mid, y2, x2, y2),
				Title: a + " before " + st.ID,
			})
		}
	}
	return out
}

// notWithEdges are dashed lines between steps that must not run at the
// same time, one per pair.
func notWithEdges(steps []plan.Step, pos map[string][2]int, cols map[string]int) []edge {
	var out []edge
	seen := map[[2]string]bool{}
	for _, st := range steps {
		for _, o := range st.NotWith {
			key := [2]string{min(st.ID, o), max(st.ID, o)}
			a, okA := pos[st.ID]
			b, okB := pos[o]
			if seen[key] || !okA || !okB || o == st.ID {
				continue
			}
			seen[key] = true
			var d string
			if cols[st.ID] == cols[o] {
				x, y1, y2 := a[0]+boxW, a[1]+boxH/2, b[1]+boxH/2
				d = fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x, y1, x+bulge, y1, x+bulge, y2, x, y2)
			} else {
				d = fmt.Sprintf("M%d,%d L%d,%d", a[0]+boxW/2, a[1]+boxH/2, b[0]+boxW/2, b[1]+boxH/2)
			}
			out = append(out, edge{D: d, Dashed: true, Title: key[0] + " not at the same time as " + key[1]})
		}
	}
	return out
}

// The timeline's geometry, in pixels.
const (
	tlWidth    = 1200
	labelX     = 8    // left edge of the row labels
	nodeLabelX = 20   // left edge of a node's label, under its pool
	chartX0    = 280  // left edge of the bars
	chartX1    = 1150 // right edge of the bars
	axisH      = 44   // height of the time axis above the rows
	rowH       = 22
	barH       = 14
	spanH      = 6 // height of a pool's span bar
	maxTicks   = 9
	labelChar  = 40 // characters of a row label
	noteCharW  = 6  // width of a character of a note, about
)

// timeline is the Gantt chart of the run.
type timeline struct {
	Width, Height int
	RowH          int
	ChartX0       int
	ChartX1       int
	AxisY         int // bottom of the axis, where the grid lines start
	Start, End    string
	Ticks         []tick
	Steps         []row
	StepsY        int // baseline of the steps' header
	Pools         []poolGroup
}

// tick is a mark on the time axis.
type tick struct {
	X     int
	Label string
}

// row is one line of the timeline: a label and, when it ran, a bar.
type row struct {
	Y       int // top of the row
	TextY   int // baseline of its text
	BarY    int
	LabelX  int
	Label   string
	Tooltip string
	Bar     *bar
	Note    string // what is shown next to the bar
	NoteX   int
	NoteEnd bool // the note is right-aligned against NoteX
	// NoteInside says the note is drawn on the bar.
	NoteInside bool
	Waits      []bar
}

// bar is a span of time on a row.
type bar struct {
	X, W, H int
	Status  string
	Tooltip string
	Open    bool // it had not ended when the report was made
}

// poolGroup is a pool's header row and its nodes' rows.
type poolGroup struct {
	Name    string
	Y       int
	TextY   int
	SpanY   int // top of the bar spanning the pool's drains
	Summary string
	Span    *bar
	Nodes   []row
}

// newTimeline draws the run's steps and node drains against time; nil when
// nothing has a time.
func newTimeline(r *Report) *timeline {
	t0, t1 := timeRange(r)
	if t0.IsZero() {
		return nil
	}
	tl := &timeline{Width: tlWidth, RowH: rowH, ChartX0: chartX0, ChartX1: chartX1, AxisY: axisH - 6,
		Start: clock(t0), End: clock(t1)}
	sc := scale{t0: t0, t1: t1}
	tl.Ticks = sc.ticks()
	y := axisH
	if len(r.Steps) > 0 {
		tl.StepsY = y + rowH - 7
		y += rowH
	}
	for i := range r.Steps {
		tl.Steps = append(tl.Steps, stepRow(&r.Steps[i], sc, y, t1))
		y += rowH
	}
	for _, name := range poolNames(r) {
		g := poolGroup{Name: name, Y: y, TextY: y + rowH - 7, SpanY: y + (rowH-spanH)/2}
		y += rowH
		nodes := poolNodes(r, name)
		var first, last time.Time
		for _, n := range nodes {
			g.Nodes = append(g.Nodes, nodeRow(r, n, sc, y, t1))
			y += rowH
			end := n.End
			if end.IsZero() {
				end = t1
			}
			if first.IsZero() || n.Start.Before(first) {
				first = n.Start
			}
			if end.After(last) {
				last = end
			}
		}
		g.Summary = fmt.Sprintf("%d node(s)", len(nodes))
		if !first.IsZero() {
			g.Summary += " · " + fmtDuration(last.Sub(first))
			sp := sc.bar(first, last, "pool", "")
			sp.H = spanH
			g.Span = &sp
		}
		tl.Pools = append(tl.Pools, g)
	}
	tl.Height = y + 8
	return tl
}

// stepRow is a step's row.
func stepRow(s *StepRun, sc scale, y int, end time.Time) row {
	rw := newRow(y, s.ID, s.ID+"\n"+s.Title)
	if s.Start.IsZero() {
		rw.Note, rw.NoteX = s.Status, chartX0+4
		return rw
	}
	tip := fmt.Sprintf("%s: %s\n%s", s.ID, s.Status, s.Title)
	if d, ok := stepDuration(s, end); ok {
		tip += "\n" + fmtDuration(d)
	}
	if s.Error != "" {
		tip += "\nerror: " + s.Error
	}
	b := sc.bar(s.Start, s.End, statusClass(s.Status), tip)
	rw.Bar = &b
	note := s.Status
	if d, ok := stepDuration(s, end); ok {
		note += " · " + fmtDuration(d)
	}
	rw.placeNote(note)
	return rw
}

// nodeRow is a node drain's row, with the budget waits during it.
func nodeRow(r *Report, n *NodeRun, sc scale, y int, end time.Time) row {
	rw := newRow(y, n.Node, n.Node+" ("+n.Pool+", step "+n.Step+")")
	rw.LabelX = nodeLabelX
	to := n.End
	if to.IsZero() {
		to = end
	}
	tip := fmt.Sprintf("%s: %s\n%s → %s (%s)", n.Node, n.Outcome, clock(n.Start), clock(to), fmtDuration(to.Sub(n.Start)))
	if len(n.Added) > 0 {
		tip += "\nadded: " + strings.Join(n.Added, ", ")
	}
	b := sc.bar(n.Start, n.End, statusClass(n.Outcome), tip)
	rw.Bar = &b
	rw.placeNote(n.Outcome + " · " + fmtDuration(to.Sub(n.Start)))
	for _, w := range nodeWaits(r, n) {
		wEnd := w.End
		if wEnd.IsZero() {
			wEnd = end
		}
		tip := fmt.Sprintf("pod %s waited on budget %s for %s", w.Pod, w.Budget, fmtDuration(wEnd.Sub(w.Start)))
		rw.Waits = append(rw.Waits, sc.bar(w.Start, w.End, "wait", tip))
	}
	return rw
}

func newRow(y int, label, tooltip string) row {
	return row{Y: y, LabelX: labelX, TextY: y + rowH - 7, BarY: y + (rowH-barH)/2, Label: truncate(label, labelChar), Tooltip: tooltip}
}

// placeNote puts the note after the bar when there is room, else inside
// the bar when it is wide enough, else before it.
func (rw *row) placeNote(note string) {
	rw.Note = note
	width := noteCharW * len([]rune(note))
	start, end := rw.Bar.X, rw.Bar.X+rw.Bar.W
	switch {
	case end+4+width <= tlWidth:
		rw.NoteX = end + 4
	case rw.Bar.W >= width+8:
		rw.NoteX, rw.NoteEnd, rw.NoteInside = end-4, true, true
	default:
		rw.NoteX, rw.NoteEnd = start-4, true
	}
}

// scale maps times between t0 and t1 to the timeline's x.
type scale struct{ t0, t1 time.Time }

func (s scale) x(t time.Time) int {
	span := s.t1.Sub(s.t0)
	if span <= 0 {
		return chartX0
	}
	f := float64(t.Sub(s.t0)) / float64(span)
	f = min(max(f, 0), 1)
	return chartX0 + int(f*float64(chartX1-chartX0)+0.5)
}

// bar spans start to end, or to the scale's end when end is zero.
func (s scale) bar(start, end time.Time, status, tooltip string) bar {
	open := end.IsZero()
	if open {
		end = s.t1
	}
	x0, x1 := s.x(start), s.x(end)
	return bar{X: x0, W: max(x1-x0, 2), H: barH, Status: status, Tooltip: tooltip, Open: open}
}

// tickSteps are the intervals the time axis may be marked in.
var tickSteps = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// ticks marks the axis in the smallest interval that makes at most
// maxTicks marks, labelled with the time since the start.
func (s scale) ticks() []tick {
	span := s.t1.Sub(s.t0)
	step := tickSteps[len(tickSteps)-1]
	for _, st := range tickSteps {
		if span/st < maxTicks {
			step = st
			break
		}
	}
	for span/step >= maxTicks*2 {
		step *= 2
	}
	var out []tick
	for d := time.Duration(0); d <= span; d += step {
		label := "+" + fmtDuration(d)
		if d == 0 {
			label = "0"
		}
		out = append(out, tick{X: s.x(s.t0.Add(d)), Label: label})
	}
	return out
}

// timeRange is the span the timeline shows: from the run's start (or the
// earliest time in it) to its end, stretched to whatever ended later.
func timeRange(r *Report) (time.Time, time.Time) {
	t0 := r.Started
	var t1 time.Time
	see := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if t0.IsZero() || t.Before(t0) {
			t0 = t
		}
		if t.After(t1) {
			t1 = t
		}
	}
	for _, s := range r.Steps {
		see(s.Start)
		see(s.End)
	}
	for _, n := range r.Nodes {
		see(n.Start)
		see(n.End)
	}
	for _, w := range r.Waits {
		see(w.Start)
		see(w.End)
	}
	if t0.IsZero() {
		return time.Time{}, time.Time{}
	}
	if end := reportEnd(r); end.After(t1) {
		t1 = end
	}
	if !t1.After(t0) {
		t1 = t0.Add(time.Minute)
	}
	return t0, t1
}

// The helpers below are shared by the HTML and Markdown renderers.

// reportEnd is when the run ended, or when the report was made for a run
// that has not.
func reportEnd(r *Report) time.Time {
	if !r.Finished.IsZero() {
		return r.Finished
	}
	return r.GeneratedAt
}

// runDuration is how long the run took, or has taken so far.
func runDuration(r *Report) string {
	if r.Started.IsZero() {
		return ""
	}
	end := reportEnd(r)
	if end.IsZero() || end.Before(r.Started) {
		return ""
	}
	d := fmtDuration(end.Sub(r.Started))
	if r.Finished.IsZero() {
		d += " so far"
	}
	return d
}

// stepRuns indexes the report's step runs by ID.
func stepRuns(r *Report) map[string]*StepRun {
	out := map[string]*StepRun{}
	for i := range r.Steps {
		out[r.Steps[i].ID] = &r.Steps[i]
	}
	return out
}

// stepDuration is how long a step took, or has taken by end; false when it
// has not started.
func stepDuration(s *StepRun, end time.Time) (time.Duration, bool) {
	if s.Start.IsZero() {
		return 0, false
	}
	if !s.End.IsZero() {
		end = s.End
	}
	if end.Before(s.Start) {
		return 0, false
	}
	return end.Sub(s.Start), true
}

// poolNames are the pools of the run's pool steps in plan order, then any
// other pool a node drain names.
func poolNames(r *Report) []string {
	var out []string
	add := func(p string) {
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, s := range r.Steps {
		add(s.Pool)
	}
	if r.Plan != nil {
		for _, s := range r.Plan.Steps {
			add(s.Pool)
		}
	}
	for _, n := range r.Nodes {
		add(n.Pool)
	}
	return out
}

// poolNodes are the drains of the pool's nodes, in the order they started.
func poolNodes(r *Report, pool string) []*NodeRun {
	var out []*NodeRun
	for i := range r.Nodes {
		if r.Nodes[i].Pool == pool {
			out = append(out, &r.Nodes[i])
		}
	}
	return out
}

// nodeWaits are the waits during a node's drain. A node drained in more
// than one step (in place, hop after hop) gets the waits of its drain that
// was under way when they began.
func nodeWaits(r *Report, n *NodeRun) []Wait {
	var out []Wait
	for _, w := range r.Waits {
		if w.Node == n.Node && drainOf(r, w) == n {
			out = append(out, w)
		}
	}
	return out
}

// drainOf is the node drain a wait belongs to: the last drain of its node
// that began by the wait's start, else the node's first drain.
func drainOf(r *Report, w Wait) *NodeRun {
	var first, best *NodeRun
	for i := range r.Nodes {
		n := &r.Nodes[i]
		if n.Node != w.Node {
			continue
		}
		if first == nil {
			first = n
		}
		if !n.Start.After(w.Start) && (best == nil || n.Start.After(best.Start)) {
			best = n
		}
	}
	if best != nil {
		return best
	}
	return first
}

// budgetSummary is what waited on one disruption budget.
type budgetSummary struct {
	Budget  string
	Waits   int
	Pods    []string
	Total   time.Duration
	Longest time.Duration
	// LongestPod is the pod that waited longest.
	LongestPod string
}

// PodList is the pods that waited, comma separated.
func (b budgetSummary) PodList() string { return strings.Join(b.Pods, ", ") }

// TotalText is the total wait, rounded to seconds.
func (b budgetSummary) TotalText() string { return fmtDuration(b.Total) }

// LongestText is the longest wait and its pod.
func (b budgetSummary) LongestText() string {
	return fmtDuration(b.Longest) + " (" + b.LongestPod + ")"
}

// summarizeBudgets groups the waits by budget, longest total first. A wait
// that has not ended counts until the report's end.
func summarizeBudgets(r *Report) []budgetSummary {
	end := reportEnd(r)
	idx := map[string]int{}
	var out []budgetSummary
	for _, w := range r.Waits {
		i, ok := idx[w.Budget]
		if !ok {
			i = len(out)
			idx[w.Budget] = i
			out = append(out, budgetSummary{Budget: w.Budget})
		}
		b := &out[i]
		wEnd := w.End
		if wEnd.IsZero() {
			wEnd = end
		}
		d := max(wEnd.Sub(w.Start), 0)
		b.Waits++
		b.Total += d
		if d > b.Longest || b.LongestPod == "" {
			b.Longest, b.LongestPod = d, w.Pod
		}
		if !slices.Contains(b.Pods, w.Pod) {
			b.Pods = append(b.Pods, w.Pod)
		}
	}
	for i := range out {
		slices.Sort(out[i].Pods)
	}
	slices.SortStableFunc(out, func(a, b budgetSummary) int {
		if c := cmp.Compare(b.Total, a.Total); c != 0 {
			return c
		}
		return strings.Compare(a.Budget, b.Budget)
	})
	return out
}

// fmtDuration writes a duration rounded to seconds without zero parts:
// "45s", "3m12s", "1h", "1h5m".
func fmtDuration(d time.Duration) string {
	d = d.Round(time.Second)
	if d <= 0 {
		return "0s"
	}
	h, m, s := d/time.Hour, (d%time.Hour)/time.Minute, (d%time.Minute)/time.Second
	var b strings.Builder
	if h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	if s > 0 {
		fmt.Fprintf(&b, "%ds", s)
	}
	return b.String()
}

// wallTime is a time in UTC for people, or "" when zero.
func wallTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// clock is a time of day in UTC.
func clock(t time.Time) string {
	return t.UTC().Format("15:04:05Z")
}

// truncate cuts s to n characters, ending it with an ellipsis when cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
