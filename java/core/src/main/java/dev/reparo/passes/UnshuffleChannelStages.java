package dev.reparo.passes;

import dev.reparo.Tensor;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ShapeInference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Removes the channel shuffles, channel splits and concatenations of a ShuffleNetV2 stage by
 * choosing the order of every convolution's output channels so that each block's input half is
 * already contiguous.
 *
 * <p>Pattern (one stage of {@code n} blocks): unit 0 is {@code X0 = Shuffle2(Concat(a0, b0))}; unit
 * {@code k = 1..n-1} is {@code X_k = Shuffle2(Concat(A_k, y_k))} where {@code (A_k, B_k)} are the
 * two channel halves of {@code X_{k-1}} (two Slices or one Split) and {@code y_k} is computed from
 * {@code B_k}. {@code Shuffle2} is {@code Reshape [N,2,h,H,W] -> Transpose [0,2,1,3,4] -> Reshape
 * [N,2h,H,W]}: channel {@code 2i} is {@code P[i]}, channel {@code 2i+1} is {@code Q[i]}. Every
 * <em>source</em> ({@code a0}, {@code b0}, each {@code y_k}) must be a group-1 Conv's output, maybe
 * through per-channel activations, read only by its unit, so the order of its channels is free.
 *
 * <p>Rewrite: tracing each source channel through the shuffles gives its <em>exit</em>: the block
 * {@code k} whose {@code B_k} holds it, or the stage output. Each source conv's output channels are
 * reordered by exit (weight and bias rows permuted), each source is cut into its exit ranges,
 * {@code B_k} becomes the Concat of its ranges and the stage output the Concat of the last ranges.
 * Those values hold their channels in a known order other than the original one; every reader
 * absorbs it: a group-1 Conv permutes its weight's input channels; a depth-wise Conv (weights and
 * bias), a per-channel activation, pooling, Resize, elementwise op of same-ordered inputs or Concat
 * passes the order on. Each block then copies about {@code 2h} channels instead of {@code 6h}.
 *
 * <p>Refused, with the reason, when a source is not such a conv or is read elsewhere, or a reader
 * cannot absorb the order (a graph output, a Reshape, a per-channel constant...). Runs on the ONNX
 * graph after Conv+BN fusion, so the result still runs in ONNX Runtime. Stateless and thread-safe.
 */
public final class UnshuffleChannelStages extends RewriteRule<UnshuffleChannelStages.Site> {
  /** Ops that act on each channel alone and the same way on all channels. */
  private static final Set<String> PER_CHANNEL_UNARY = Set.of("Relu", "LeakyRelu", "Sigmoid",
      "HardSigmoid", "HardSwish", "Tanh", "Elu", "Selu", "Celu", "Softplus", "Softsign", "Clip",
      "Identity", "Neg", "Abs", "Exp", "Gelu", "Mish", "ThresholdedRelu");
  private static final Set<String> POOLING = Set.of("MaxPool", "AveragePool", "GlobalAveragePool",
      "GlobalMaxPool", "Resize", "Upsample");
  private static final Set<String> ELEMENTWISE = Set.of("Mul", "Add", "Sub", "Div", "Max", "Min");
  /**
   * Below this many values per half (h x H x W) a stage is left alone: its blocks cost a few
   * microseconds of ncnn layer overhead each, more than the copies saved (the test backbone, halves
   * of 1024 and 512 values, ran 0.91-0.94x as fast rewritten; YOLOv5-Lite stages, 4800 and more,
   * 0.96-1.04x, the full-size model's 1.02-1.04x).
   */
  static final long MIN_HALF_ELEMENTS = 4096;

  /** One shuffle unit: {@code concat -> reshape -> transpose -> reshape}, output {@code x}. */
  record Unit(Node concat, Node split, Node transpose, Node merge) {
    String x() {
      return merge.output(0);
    }
  }

  /** How one conv's weights change: rows (output channels) or columns (input channels) permuted. */
  private enum EditKind { OUTPUT_ROWS, INPUT_COLUMNS, DEPTHWISE }

  private record Edit(EditKind kind, String convOutput, int[] perm) {}

  /**
   * A stage to rewrite. {@code sources}: a0, b0, y_1..y_{n-1}; {@code halves}: the nodes that split
   * X_0..X_{n-2}; {@code bValues}: the old B_1..B_{n-1}.
   */
  record Site(List<Unit> units, List<Node> halves, List<String> sources, List<String> bValues, int h,
      List<Edit> edits) {}

  public UnshuffleChannelStages() {
    super("unshuffle-channel-stages", false, "Concat");
  }

  // ---- match

  @Override
  public Match<Site> match(Graph g, Node concat) {
    Unit first = unitShape(g, concat);
    if (first == null || continuesStage(g, concat)) {
      return Match.none();
    }
    String label = GraphQueries.label(concat);
    try {
      return Match.at(label, plan(g, first, ShapeInference.infer(g)));
    } catch (PatternRefused r) {
      return Match.refused(label, r.getMessage());
    } catch (RuntimeException e) { // an op shape inference does not know: nothing is proven
      return Match.refused(label, "shapes could not be inferred: " + e.getMessage());
    }
  }

  private Site plan(Graph g, Unit first, ShapeInference.Result shapes) throws PatternRefused {
    int h = checkUnit(first, shapes);
    long[] x = shapes.shape(first.x()).toArray();
    if ((long) h * x[2] * x[3] < MIN_HALF_ELEMENTS) {
      throw new PatternRefused("a half of the stage holds " + h * x[2] * x[3] + " values, fewer than "
          + MIN_HALF_ELEMENTS + ": the extra Slice outputs cost more than the copies saved");
    }
    List<Unit> units = new ArrayList<>(List.of(first));
    List<Node> halves = new ArrayList<>();
    List<String> bValues = new ArrayList<>();
    List<String> sources = new ArrayList<>(List.of(first.concat().input(0), first.concat().input(1)));
    while (true) {
      Unit last = units.get(units.size() - 1);
      String[] ab = halvesOf(g, last.x(), h, shapes);
      Node next = ab == null ? null : GraphQueries.soleConsumer(g, ab[0]);
      Unit nextUnit = next == null ? null : unitShape(g, next);
      if (nextUnit == null || !next.input(0).equals(ab[0]) || next.input(1).equals(ab[1])) {
        break;
      }
      if (checkUnit(nextUnit, shapes) != h) {
        throw new PatternRefused("shuffle '" + GraphQueries.label(next) + "' has another width than its stage");
      }
      for (Node c : g.consumers(last.x())) {
        halves.add(c);
      }
      bValues.add(ab[1]);
      sources.add(next.input(1));
      units.add(nextUnit);
    }
    String out = units.get(units.size() - 1).x();
    if (GraphQueries.isGraphOutput(g, out)) {
      throw new PatternRefused("the stage output '" + out + "' is a graph output");
    }
    if (new HashSet<>(sources).size() != sources.size()) {
      throw new PatternRefused("a shuffle reads the same value twice");
    }
    List<Edit> edits = new ArrayList<>();
    for (String s : sources) {
      edits.add(new Edit(EditKind.OUTPUT_ROWS, sourceConv(g, s, h, shapes), null));
    }
    Layout layout = layout(units.size(), h);
    for (int s = 0; s < sources.size(); s++) {
      Edit e = edits.get(s);
      edits.set(s, new Edit(e.kind(), e.convOutput(), layout.order[s]));
    }
    Map<String, int[]> seeds = new LinkedHashMap<>();
    for (int k = 1; k < units.size(); k++) {
      seeds.put(bValues.get(k - 1), layout.logical(k));
    }
    seeds.put(out, layout.logical(units.size()));
    Set<Node> stageNodes = new HashSet<>(halves);
    for (Unit u : units) {
      stageNodes.addAll(List.of(u.concat(), u.split(), u.transpose(), u.merge()));
    }
    edits.addAll(absorb(g, seeds, stageNodes, shapes));
    return new Site(units, halves, sources, bValues, h, edits);
  }

  /** The Concat -> Reshape -> Transpose -> Reshape chain at {@code concat}, by structure only. */
  private static Unit unitShape(Graph g, Node concat) {
    if (!concat.opType().equals("Concat") || concat.inputs().size() != 2) {
      return null;
    }
    Node split = GraphQueries.soleConsumer(g, concat.output(0));
    if (split == null || !split.opType().equals("Reshape")) {
      return null;
    }
    Node transpose = GraphQueries.soleConsumer(g, split.output(0));
    if (transpose == null || !transpose.opType().equals("Transpose")
        || !Arrays.equals(transpose.attrInts("perm"), new long[] {0, 2, 1, 3, 4})) {
      return null;
    }
    Node merge = GraphQueries.soleConsumer(g, transpose.output(0));
    if (merge == null || !merge.opType().equals("Reshape")) {
      return null;
    }
    return new Unit(concat, split, transpose, merge);
  }

  /** True when {@code concat}'s first input is the first half of an earlier unit's output. */
  private static boolean continuesStage(Graph g, Node concat) {
    Node halves = g.producer(concat.input(0));
    if (halves == null || !(halves.opType().equals("Slice") || halves.opType().equals("Split"))) {
      return false;
    }
    Node merge = g.producer(halves.input(0));
    Node transpose = merge == null ? null : g.producer(merge.input(0));
    Node split = transpose == null ? null : g.producer(transpose.input(0));
    Node before = split == null ? null : g.producer(split.input(0));
    return before != null && unitShape(g, before) != null;
  }

  /** The half width {@code h} of a unit whose shapes are those of a channel shuffle with 2 groups. */
  private static int checkUnit(Unit u, ShapeInference.Result shapes) throws PatternRefused {
    String who = GraphQueries.label(u.concat());
    Shape p = shapes.shape(u.concat().input(0));
    Shape q = shapes.shape(u.concat().input(1));
    Shape cat = shapes.shape(u.concat().output(0));
    Shape five = shapes.shape(u.split().output(0));
    Shape x = shapes.shape(u.x());
    if (!p.isKnown() || !q.isKnown() || !five.isKnown() || !x.isKnown() || p.rank() != 4) {
      throw new PatternRefused("shapes around shuffle '" + who + "' are not known");
    }
    long axis = u.concat().attrInt("axis", 0);
    long h = p.dim(1).value();
    long[] c = cat.toArray();
    boolean shuffle = (axis == 1 || axis == -3) && q.equals(p) && x.equals(cat)
        && Arrays.equals(five.toArray(), new long[] {c[0], 2, h, c[2], c[3]});
    if (!shuffle) {
      throw new PatternRefused("'" + who + "' -> reshape -> transpose -> reshape is not a 2-group channel "
          + "shuffle of two equal halves");
    }
    return Math.toIntExact(h);
  }

  /**
   * The names of the two channel halves of {@code x} when its readers are exactly two Slices or one
   * Split that cut it at {@code h}, else null.
   */
  private static String[] halvesOf(Graph g, String x, int h, ShapeInference.Result shapes) {
    if (GraphQueries.isGraphOutput(g, x)) {
      return null;
    }
    List<Node> readers = g.consumers(x);
    if (readers.size() == 1 && readers.get(0).opType().equals("Split")
        && readers.get(0).outputs().size() == 2 && channelAxis(readers.get(0).attrInt("axis", 0))) {
      Node s = readers.get(0);
      if (channels(shapes, s.output(0)) == h && channels(shapes, s.output(1)) == h) {
        return new String[] {s.output(0), s.output(1)};
      }
      return null;
    }
    if (readers.size() != 2) {
      return null;
    }
    String[] ab = new String[2];
    for (Node r : readers) {
      int start = sliceStart(r, shapes);
      if (start < 0 || channels(shapes, r.output(0)) != h || start != 0 && start != h || ab[start / h] != null) {
        return null;
      }
      ab[start / h] = r.output(0);
    }
    return ab;
  }

  /** Where a Slice along channels only, with step 1, starts; -1 for anything else. */
  private static int sliceStart(Node r, ShapeInference.Result shapes) {
    if (!r.opType().equals("Slice")) {
      return -1;
    }
    long[] starts;
    long[] axes;
    if (r.hasAttribute("starts")) {
      starts = r.attrInts("starts");
      axes = r.attrInts("axes");
    } else {
      LongTensor s = r.hasInput(1) ? shapes.longConstant(r.input(1)) : null;
      LongTensor a = r.hasInput(3) ? shapes.longConstant(r.input(3)) : null;
      LongTensor st = r.hasInput(4) ? shapes.longConstant(r.input(4)) : null;
      if (s == null || r.hasInput(3) && a == null || r.hasInput(4) && (st == null || st.data().length != 1
          || st.data()[0] != 1)) {
        return -1;
      }
      starts = s.data();
      axes = a == null ? null : a.data();
    }
    if (starts == null || starts.length != 1 || axes == null || axes.length != 1 || !channelAxis(axes[0])
        || starts[0] < 0 || starts[0] > Integer.MAX_VALUE) {
      return -1;
    }
    return (int) starts[0];
  }

  private static boolean channelAxis(long axis) {
    return axis == 1 || axis == -3;
  }

  private static long channels(ShapeInference.Result shapes, String value) {
    Shape s = shapes.shape(value);
    return s.hasRank() && s.rank() == 4 && s.dim(1).isKnown() ? s.dim(1).value() : -1;
  }

  /**
   * The output of the group-1 conv that computes source {@code s} (through per-channel activations,
   * each read only by the next), whose output channels may therefore be reordered.
   */
  private static String sourceConv(Graph g, String s, int h, ShapeInference.Result shapes)
      throws PatternRefused {
    String value = s;
    if (GraphQueries.soleConsumer(g, value) == null) {
      throw new PatternRefused("shuffle input '" + s + "' is also read elsewhere");
    }
    while (true) {
      Node p = g.producer(value);
      if (p == null) {
        throw new PatternRefused("shuffle input '" + s + "' is not computed by a convolution");
      }
      if (PER_CHANNEL_UNARY.contains(p.opType()) && constantsAfterFirst(g, p)
          && GraphQueries.soleConsumer(g, p.input(0)) != null) {
        value = p.input(0);
        continue;
      }
      if (!p.opType().equals("Conv")) {
        throw new PatternRefused("shuffle input '" + s + "' comes from " + p.opType() + " '"
            + GraphQueries.label(p) + "', not from a convolution whose channel order is free");
      }
      ConvAttributes conv = ConvAttributes.of(g, p);
      if (conv.group() != 1 || conv.outChannels() != h) {
        throw new PatternRefused("shuffle input '" + s + "' comes from a grouped convolution '"
            + GraphQueries.label(p) + "'");
      }
      return p.output(0);
    }
  }

  private static boolean constantsAfterFirst(Graph g, Node n) {
    for (int i = 1; i < n.inputs().size(); i++) {
      String in = n.input(i);
      if (!in.isEmpty() && GraphQueries.floatConstant(g, in) == null && GraphQueries.longConstant(g, in) == null) {
        return false;
      }
    }
    return true;
  }

  // ---- the channel layout

  /**
   * Where every source channel goes. Sources: 0 = a0, 1 = b0, k+1 = y_k. Exits: block k = 1..n-1
   * (into B_k), n = the stage output. {@code order[s][q]}: the original channel of source s at new
   * position q; {@code exit[s][c]}, {@code pos[s][c]}: the exit of channel c and its (logical)
   * position in that exit's tensor.
   */
  private record Layout(int n, int h, int[][] order, int[][] exit, int[][] pos) {
    /**
     * The physical-to-logical map of exit {@code e}: its new tensor is the concatenation, source by
     * source, of each source's range for {@code e}; entry p is the original channel index there.
     */
    int[] logical(int e) {
      List<Integer> out = new ArrayList<>();
      for (int s = 0; s < order.length; s++) {
        for (int c : order[s]) {
          if (exit[s][c] == e) {
            out.add(pos[s][c]);
          }
        }
      }
      return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Source s's range for exit e as {start, end}; empty when start == end. */
    int[] range(int s, int e) {
      int start = -1;
      int end = -1;
      for (int q = 0; q < h; q++) {
        if (exit[s][order[s][q]] == e) {
          start = start < 0 ? q : start;
          end = q + 1;
        }
      }
      return start < 0 ? new int[] {0, 0} : new int[] {start, end};
    }
  }

  private static Layout layout(int n, int h) {
    int sources = n + 1;
    int[][] exit = new int[sources][h];
    int[][] pos = new int[sources][h];
    // x[c] = {source, channel}: the stage's current 2h-channel tensor, symbolically.
    int[][] x = new int[2 * h][];
    for (int i = 0; i < h; i++) {
      x[2 * i] = new int[] {0, i};
      x[2 * i + 1] = new int[] {1, i};
    }
    for (int k = 1; k < n; k++) {
      for (int j = 0; j < h; j++) { // B_k = x[h..2h)
        int[] sc = x[h + j];
        exit[sc[0]][sc[1]] = k;
        pos[sc[0]][sc[1]] = j;
      }
      int[][] next = new int[2 * h][];
      for (int i = 0; i < h; i++) { // shuffle(concat(A_k = x[0..h), y_k))
        next[2 * i] = x[i];
        next[2 * i + 1] = new int[] {k + 1, i};
      }
      x = next;
    }
    for (int c = 0; c < 2 * h; c++) {
      exit[x[c][0]][x[c][1]] = n;
      pos[x[c][0]][x[c][1]] = c;
    }
    int[][] order = new int[sources][];
    for (int s = 0; s < sources; s++) {
      int[] e = exit[s];
      int[] p = pos[s];
      order[s] = java.util.stream.IntStream.range(0, h).boxed()
          .sorted((a, b) -> e[a] != e[b] ? Integer.compare(e[a], e[b]) : Integer.compare(p[a], p[b]))
          .mapToInt(Integer::intValue).toArray();
    }
    return new Layout(n, h, order, exit, pos);
  }

  // ---- the readers of reordered values

  /**
   * The edits that let every reader of the {@code seeds} (value -> physical-to-logical channel
   * map) read them reordered, following the order through the ops that pass it on.
   */
  private static List<Edit> absorb(Graph g, Map<String, int[]> seeds, Set<Node> stageNodes,
      ShapeInference.Result shapes) throws PatternRefused {
    Map<String, int[]> perms = new HashMap<>(seeds);
    List<Edit> edits = new ArrayList<>();
    for (Node n : g.nodes()) {
      List<String> permuted = n.inputs().stream().filter(perms::containsKey).toList();
      if (permuted.isEmpty()) {
        continue;
      }
      String who = n.opType() + " '" + GraphQueries.label(n) + "'";
      String v = permuted.get(0);
      if (stageNodes.contains(n)) {
        throw new PatternRefused("'" + v + "' is read back inside its own stage by " + who);
      }
      int[] perm = perms.get(v);
      String op = n.opType();
      if (op.equals("Conv") && n.input(0).equals(v) && permuted.size() == 1) {
        ConvAttributes conv = ConvAttributes.of(g, n);
        if (conv.group() == 1) {
          edits.add(new Edit(EditKind.INPUT_COLUMNS, n.output(0), perm));
          continue;
        }
        if (conv.group() == perm.length && conv.outChannels() == perm.length) {
          edits.add(new Edit(EditKind.DEPTHWISE, n.output(0), perm));
          perms.put(n.output(0), perm);
          continue;
        }
        throw new PatternRefused("'" + v + "' is read by grouped conv '" + GraphQueries.label(n)
            + "', which cannot take its channels in another order");
      } else if ((PER_CHANNEL_UNARY.contains(op) || POOLING.contains(op)) && n.input(0).equals(v)
          && permuted.size() == 1 && n.outputs().size() == 1 && constantsAfterFirst(g, n)
          && channels(shapes, n.output(0)) == perm.length
          && !n.attrString("coordinate_transformation_mode", "").equals("tf_crop_and_resize")) {
        perms.put(n.output(0), perm);
        continue;
      } else if (ELEMENTWISE.contains(op) && sameOrderOrScalars(g, n, perms, perm)) {
        perms.put(n.output(0), perm);
        continue;
      } else if (op.equals("Concat") && channelAxis(n.attrInt("axis", 0))) {
        perms.put(n.output(0), concatPerm(n, perms, shapes));
        continue;
      }
      throw new PatternRefused("'" + v + "' is read by " + who + ", which cannot take its channels in "
          + "another order");
    }
    for (String v : perms.keySet()) {
      if (GraphQueries.isGraphOutput(g, v)) {
        throw new PatternRefused("'" + v + "' would be a graph output with its channels reordered");
      }
    }
    return edits;
  }

  private static boolean sameOrderOrScalars(Graph g, Node n, Map<String, int[]> perms, int[] perm) {
    for (String in : n.inputs()) {
      int[] p = perms.get(in);
      Tensor c = p == null ? GraphQueries.floatConstant(g, in) : null;
      if (p == null ? c == null || c.size() != 1 : !Arrays.equals(p, perm)) {
        return false;
      }
    }
    return true;
  }

  private static int[] concatPerm(Node n, Map<String, int[]> perms, ShapeInference.Result shapes)
      throws PatternRefused {
    List<Integer> out = new ArrayList<>();
    int offset = 0;
    for (String in : n.inputs()) {
      long c = channels(shapes, in);
      int[] p = perms.get(in);
      if (c < 0) {
        throw new PatternRefused("the channels of '" + in + "' read by Concat '" + GraphQueries.label(n)
            + "' are not known");
      }
      for (int i = 0; i < c; i++) {
        out.add(offset + (p == null ? i : p[i]));
      }
      offset += (int) c;
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  // ---- rewrite

  @Override
  public void rewrite(Graph g, Site s) {
    for (Edit e : s.edits()) {
      apply(g, e);
    }
    int n = s.units().size();
    int h = s.h();
    Layout layout = layout(n, h);
    String base = GraphQueries.label(s.units().get(0).concat());
    // pieces[s][e]: the value holding source s's channels that exit at e, or null
    String[][] pieces = new String[n + 1][n + 1];
    for (int src = 0; src <= n; src++) {
      List<Integer> exits = new ArrayList<>();
      List<Long> sizes = new ArrayList<>();
      for (int e = 1; e <= n; e++) {
        int[] r = layout.range(src, e);
        if (r[1] > r[0]) {
          exits.add(e);
          sizes.add((long) (r[1] - r[0]));
        }
      }
      String value = s.sources().get(src);
      if (exits.size() == 1) {
        pieces[src][exits.get(0)] = value;
        continue;
      }
      // One Slice per range rather than one Split: Split changed signature in opset 13, and Q/DQ
      // export can raise an older graph to 13 only without it. ncnn lowering merges the Slices of
      // one blob that tile its channels into one Slice layer.
      long at = 0;
      for (int i = 0; i < exits.size(); i++) {
        String out = g.uniqueName(value + "_exit" + exits.get(i));
        pieces[src][exits.get(i)] = out;
        g.addNode(channelSlice(g, base + "/unshuffle_slice" + src + "_" + exits.get(i), value, at,
            at + sizes.get(i), out));
        at += sizes.get(i);
      }
    }
    for (int e = 1; e <= n; e++) {
      String old = e < n ? s.bValues().get(e - 1) : s.units().get(n - 1).x();
      List<String> parts = new ArrayList<>();
      for (int src = 0; src <= n; src++) {
        if (pieces[src][e] != null) {
          parts.add(pieces[src][e]);
        }
      }
      String value = parts.get(0);
      if (parts.size() > 1) {
        value = g.uniqueName(old + "_unshuffled");
        Node cat = Node.builder("Concat").name(g.uniqueName(base + "/unshuffle_concat" + e))
            .inputs(parts.toArray(String[]::new)).outputs(value).intAttr("axis", 1).build();
        g.addNode(cat);
      }
      GraphEdits.replaceUses(g, old, value);
    }
    List<Node> doomed = new ArrayList<>(s.halves());
    for (Unit u : s.units()) {
      doomed.addAll(List.of(u.concat(), u.split(), u.transpose(), u.merge()));
    }
    GraphEdits.removeNodes(g, doomed);
    g.sortTopologically();
  }

  /** {@code x[:, start:end]} as a Slice node of the graph's opset (inputs from 10, attributes before). */
  private static Node channelSlice(Graph g, String name, String x, long start, long end, String out) {
    Node.Builder b = Node.builder("Slice").name(g.uniqueName(name)).outputs(out);
    if (g.opset() < 10) {
      return b.inputs(x).intsAttr("starts", start).intsAttr("ends", end).intsAttr("axes", 1).build();
    }
    String[] consts = {"starts", "ends", "axes"};
    long[] values = {start, end, 1};
    String[] ins = new String[4];
    ins[0] = x;
    for (int i = 0; i < 3; i++) {
      ins[i + 1] = g.uniqueName(out + "_" + consts[i]);
      g.putInitializer(ins[i + 1], LongTensor.vector(values[i]));
    }
    return b.inputs(ins).build();
  }

  /** Permutes the weights of the conv writing {@code e.convOutput()} as the edit says. */
  private static void apply(Graph g, Edit e) {
    Node conv = g.producer(e.convOutput());
    ConvAttributes a;
    try {
      a = ConvAttributes.of(g, conv);
    } catch (PatternRefused r) {
      throw new IllegalStateException(r.getMessage(), r);
    }
    float[] w = a.weight().data();
    int[] shape = a.weight().shape();
    int out = shape[0];
    int in = shape[1];
    int kernel = shape[2] * shape[3];
    double[] nw = new double[w.length];
    double[] bias = a.biasOrZero();
    double[] nb = bias.clone();
    int[] p = e.perm();
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        int so = e.kind() == EditKind.INPUT_COLUMNS ? o : p[o];
        int si = e.kind() == EditKind.INPUT_COLUMNS ? p[i] : i;
        System.arraycopy(toDouble(w, (so * in + si) * kernel, kernel), 0, nw, (o * in + i) * kernel, kernel);
      }
      if (e.kind() != EditKind.INPUT_COLUMNS) {
        nb[o] = bias[p[o]];
      }
    }
    Node rebuilt = ConvAttributes.build(g, conv.name(), conv.input(0), conv.output(0), nw, shape, nb,
        a.strides(), a.pads(), a.dilations(), a.group());
    g.replaceNode(conv, rebuilt);
    for (String old : conv.inputs().subList(1, conv.inputs().size())) {
      if (!GraphEdits.isUsed(g, old) && g.isInitializer(old)) {
        g.removeInitializer(old);
      }
    }
  }

  private static double[] toDouble(float[] f, int from, int count) {
    double[] d = new double[count];
    for (int i = 0; i < count; i++) {
      d[i] = f[from + i];
    }
    return d;
  }
}
