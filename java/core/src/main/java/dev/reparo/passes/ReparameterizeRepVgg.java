package dev.reparo.passes;

import dev.reparo.Tensor;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Collapses a RepVGG block into one convolution. The pattern, on a block input {@code x}:
 *
 * <pre>
 *   Conv_kxk(x) [-> BatchNormalization]      the dense branch (k odd, k &gt; 1, usually 3)
 *   Conv_jxj(x) [-> BatchNormalization]      optional smaller branches, j odd &lt; k, each size once:
 *                                            the 1x1 of RepVGG, the 3x3 beside YOLOv10's 7x7 (RepVGGDW)
 *   BatchNormalization(x)  or  x itself      optional identity branch
 *   constant                                 optional, per channel or scalar (Ultralytics' RepConv
 *                                            adds a literal 0 when it has no identity branch)
 *   -> Add (binary Adds in any order and nesting) -> rest of the graph (the activation stays)
 * </pre>
 *
 * At least two branches, one of them the dense one. The result is {@code Conv_kxk(x, W, b)} with,
 * per output channel {@code o} (each BN folded as {@code s = γ/sqrt(var+ε)}, {@code t = β − μs}):
 * the dense kernel scaled by its {@code s}; the 1x1 kernel scaled by its {@code s} and placed at the
 * kernel centre (a j x j kernel centred likewise); for the identity, {@code s} (1 without BN) at the centre, input channel {@code o}'s
 * position within its group. The biases (conv bias·s + t) and the constants add up. Arithmetic in float64. Conv
 * branches the exporter already folded (Conv with bias, no BN) are handled alike.
 *
 * <p>Refused, with the reason, when branches differ in stride, groups, dilation or channels, pads do
 * not centre the kernels (dense pad = dilation·k/2, 1x1 pad 0), an identity branch meets a stride or
 * a channel change, a branch's intermediate value is read elsewhere, or parameters are not constant.
 *
 * <p>Stateless and thread-safe.
 */
public final class ReparameterizeRepVgg implements GraphPass {
  @Override
  public String name() {
    return "reparameterize-repvgg";
  }

  @Override
  public void run(Graph g, PassLog log) {
    for (Node add : List.copyOf(g.nodes())) {
      if (!add.opType().equals("Add") || !g.nodes().contains(add)) {
        continue;
      }
      Node parent = GraphQueries.soleConsumer(g, add.output(0));
      if (parent != null && parent.opType().equals("Add")) {
        continue; // an inner Add of a larger sum: the outermost one anchors the site
      }
      Site site = Site.find(g, add);
      if (site == null) {
        continue;
      }
      try {
        rewrite(g, site);
        log.rewrote(GraphQueries.label(add));
      } catch (PatternRefused r) {
        log.refused(GraphQueries.label(add), r.getMessage());
      }
    }
  }

  /** A branch on the block input: a conv (maybe with BN), or the identity (maybe a bare BN). */
  private record Branch(String value, Node conv, Node bn) {
    boolean isIdentity() {
      return conv == null;
    }
  }

  /** A sum of branches rooted at one Add, with the block input they share. */
  private record Site(Node root, List<Node> adds, String input, List<Branch> branches,
      List<String> unrelated) {

    /** The site rooted at {@code root}, or null when the sum is not a RepVGG block at all. */
    static Site find(Graph g, Node root) {
      List<Node> adds = new ArrayList<>();
      List<String> leaves = new ArrayList<>();
      collect(g, root, adds, leaves);
      String x = null;
      for (String leaf : leaves) {
        Node conv = convOf(g, leaf);
        Tensor w = conv == null ? null : GraphQueries.floatConstant(g, conv.input(1));
        if (w != null && w.rank() == 4 && (w.dim(2) > 1 || w.dim(3) > 1)) {
          x = conv.input(0);
          break;
        }
      }
      if (x == null) {
        return null;
      }
      List<Branch> branches = new ArrayList<>();
      List<String> unrelated = new ArrayList<>();
      for (String leaf : leaves) {
        Node p = g.producer(leaf);
        Node conv = convOf(g, leaf);
        if (leaf.equals(x)) {
          branches.add(new Branch(leaf, null, null));
        } else if (p != null && p.opType().equals("BatchNormalization") && p.input(0).equals(x)) {
          branches.add(new Branch(leaf, null, p));
        } else if (conv != null && conv.input(0).equals(x)) {
          branches.add(new Branch(leaf, conv, conv == p ? null : p));
        } else {
          unrelated.add(leaf);
        }
      }
      return branches.size() < 2 ? null : new Site(root, adds, x, branches, unrelated);
    }

    private static void collect(Graph g, Node add, List<Node> adds, List<String> leaves) {
      adds.add(add);
      for (String in : add.inputs()) {
        Node p = g.producer(in);
        if (p != null && p.opType().equals("Add") && GraphQueries.soleConsumer(g, in) == add) {
          collect(g, p, adds, leaves);
        } else {
          leaves.add(in);
        }
      }
    }

    /** The Conv that computes {@code value}, directly or through one BatchNormalization. */
    private static Node convOf(Graph g, String value) {
      Node p = g.producer(value);
      if (p != null && p.opType().equals("BatchNormalization")) {
        p = g.producer(p.input(0));
      }
      return p != null && p.opType().equals("Conv") ? p : null;
    }
  }

  private static void rewrite(Graph g, Site site) throws PatternRefused {
    List<String> others = new ArrayList<>();
    List<Tensor> constants = new ArrayList<>();
    for (String leaf : site.unrelated()) {
      Tensor c = GraphQueries.floatConstant(g, leaf);
      if (c != null && GraphQueries.perChannel(c, c.size())) {
        constants.add(c);
      } else {
        others.add(leaf);
      }
    }
    if (!others.isEmpty()) {
      throw new PatternRefused("the sum also adds " + quoted(others)
          + ", which is no branch on block input '" + site.input() + "' nor a per-channel constant");
    }
    List<ConvAttributes> convs = new ArrayList<>();
    List<Branch> convBranches = new ArrayList<>();
    Branch identity = null;
    for (Branch b : site.branches()) {
      checkOnlyReadBySum(g, site, b);
      if (b.isIdentity()) {
        if (identity != null) {
          throw new PatternRefused("two identity branches ('" + identity.value() + "', '" + b.value() + "')");
        }
        identity = b;
        continue;
      }
      ConvAttributes c = ConvAttributes.of(g, b.conv());
      if (c.kernelHeight() != c.kernelWidth() || c.kernelHeight() % 2 == 0) {
        throw new PatternRefused("branch conv '" + GraphQueries.label(b.conv()) + "' has a "
            + kernel(c) + " kernel (expected square and odd, or 1x1)");
      }
      for (ConvAttributes other : convs) {
        if (other.kernelHeight() == c.kernelHeight()) {
          throw new PatternRefused("two " + kernel(c) + " branches ('" + GraphQueries.label(other.node()) + "', '"
              + GraphQueries.label(b.conv()) + "')");
        }
      }
      convs.add(c);
      convBranches.add(b);
    }
    // The largest kernel is the dense branch; every smaller one (1x1, or 3x3 beside a 7x7 as in
    // YOLOv10's RepVGGDW) lands centred inside it.
    int denseAt = 0;
    for (int i = 1; i < convs.size(); i++) {
      if (convs.get(i).kernelHeight() > convs.get(denseAt).kernelHeight()) {
        denseAt = i;
      }
    }
    ConvAttributes dense = convs.get(denseAt);
    if (dense.kernelHeight() == 1) {
      throw new PatternRefused("no dense branch with an odd square kernel");
    }
    int k = dense.kernelHeight();
    if (!Arrays.equals(dense.pads(), centred(dense))) {
      throw new PatternRefused(kernel(dense) + " branch has pads " + Arrays.toString(dense.pads())
          + ", expected " + Arrays.toString(centred(dense)));
    }
    for (ConvAttributes c : convs) {
      if (c == dense) {
        continue;
      }
      checkSameGeometry(dense, c);
      if (!Arrays.equals(c.pads(), centred(c))) {
        throw new PatternRefused(kernel(c) + " branch has pads " + Arrays.toString(c.pads()) + ", expected "
            + (c.kernelHeight() == 1 ? "0" : Arrays.toString(centred(c))));
      }
    }
    BatchNormAffine identityBn = null;
    if (identity != null) {
      if (dense.strides()[0] != 1 || dense.strides()[1] != 1) {
        throw new PatternRefused("identity branch beside convs of stride " + Arrays.toString(dense.strides()));
      }
      if (dense.inChannels() != dense.outChannels()) {
        throw new PatternRefused("identity branch beside convs mapping " + dense.inChannels() + " to "
            + dense.outChannels() + " channels");
      }
      if (identity.bn() != null) {
        identityBn = BatchNormAffine.of(g, identity.bn());
        if (identityBn.channels() != dense.inChannels()) {
          throw new PatternRefused("identity BatchNormalization has " + identityBn.channels()
              + " channels, the block " + dense.inChannels());
        }
      }
    }
    int out = dense.outChannels();
    int perGroup = dense.weight().dim(1);
    int centre = k / 2;
    double[] weight = new double[out * perGroup * k * k];
    double[] bias = new double[out];
    for (int i = 0; i < convs.size(); i++) {
      ConvAttributes c = convs.get(i);
      addConvBranch(c, branchBn(g, convBranches.get(i), c), weight, bias, perGroup, k, (k - c.kernelHeight()) / 2);
    }
    if (identity != null) {
      for (int o = 0; o < out; o++) {
        double s = identityBn == null ? 1 : identityBn.scale()[o];
        weight[((o * perGroup + o % perGroup) * k + centre) * k + centre] += s;
        bias[o] += identityBn == null ? 0 : identityBn.shift()[o];
      }
    }

    for (Tensor c : constants) {
      if (c.size() != 1 && c.size() != out) {
        throw new PatternRefused("a constant of shape " + Arrays.toString(c.shape()) + " is added to " + out
            + " channels");
      }
      for (int o = 0; o < out; o++) {
        bias[o] += c.data()[c.size() == 1 ? 0 : o];
      }
    }

    Node fused = ConvAttributes.build(g, dense.node().name(), site.input(), site.root().output(0),
        weight, new int[] {out, perGroup, k, k}, bias, dense.strides(), dense.pads(),
        dense.dilations(), dense.group());
    List<Node> doomed = new ArrayList<>(site.adds());
    for (Branch b : site.branches()) {
      if (b.conv() != null) {
        doomed.add(b.conv());
      }
      if (b.bn() != null) {
        doomed.add(b.bn());
      }
    }
    g.replaceNode(site.root(), fused);
    GraphEdits.removeNodes(g, doomed);
  }

  /**
   * Adds one conv branch (its BN folded) into the fused kernel: a {@code kh x kw} kernel lands at
   * {@code offset} rows and columns into the {@code k x k} one (0 for the dense kernel, the centre
   * for a 1x1).
   */
  private static void addConvBranch(ConvAttributes c, BatchNormAffine bn, double[] weight,
      double[] bias, int perGroup, int k, int offset) {
    float[] w = c.weight().data();
    double[] b = c.biasOrZero();
    int kh = c.kernelHeight();
    int kw = c.kernelWidth();
    for (int o = 0; o < c.outChannels(); o++) {
      double s = bn == null ? 1 : bn.scale()[o];
      bias[o] += b[o] * s + (bn == null ? 0 : bn.shift()[o]);
      for (int i = 0; i < perGroup; i++) {
        for (int y = 0; y < kh; y++) {
          for (int x = 0; x < kw; x++) {
            weight[((o * perGroup + i) * k + offset + y) * k + offset + x] +=
                w[((o * perGroup + i) * kh + y) * kw + x] * s;
          }
        }
      }
    }
  }

  private static BatchNormAffine branchBn(Graph g, Branch b, ConvAttributes c) throws PatternRefused {
    if (b.bn() == null) {
      return null;
    }
    if (GraphQueries.soleConsumer(g, b.conv().output(0)) != b.bn()) {
      throw new PatternRefused("output '" + b.conv().output(0) + "' of conv '" + GraphQueries.label(b.conv())
          + "' is also read elsewhere");
    }
    BatchNormAffine bn = BatchNormAffine.of(g, b.bn());
    if (bn.channels() != c.outChannels()) {
      throw new PatternRefused("BatchNormalization '" + GraphQueries.label(b.bn()) + "' has "
          + bn.channels() + " channels, conv '" + GraphQueries.label(b.conv()) + "' outputs "
          + c.outChannels());
    }
    return bn;
  }

  /** Pads that centre a kernel on its output pixel: dilation·(k/2) on every side. */
  private static int[] centred(ConvAttributes c) {
    int k = c.kernelHeight();
    int[] d = c.dilations();
    return new int[] {d[0] * (k / 2), d[1] * (k / 2), d[0] * (k / 2), d[1] * (k / 2)};
  }

  private static void checkSameGeometry(ConvAttributes dense, ConvAttributes pw) throws PatternRefused {
    String d = kernel(dense);
    String p = kernel(pw);
    if (!Arrays.equals(dense.strides(), pw.strides())) {
      throw new PatternRefused(p + " branch has stride " + Arrays.toString(pw.strides()) + ", " + d
          + " branch " + Arrays.toString(dense.strides()));
    }
    if (dense.group() != pw.group()) {
      throw new PatternRefused(p + " branch has groups " + pw.group() + ", " + d + " branch " + dense.group());
    }
    if (!Arrays.equals(dense.dilations(), pw.dilations())) {
      throw new PatternRefused(p + " branch has dilation " + dilation(pw) + ", " + d + " branch "
          + dilation(dense));
    }
    if (dense.outChannels() != pw.outChannels() || dense.weight().dim(1) != pw.weight().dim(1)) {
      throw new PatternRefused(p + " branch maps " + pw.inChannels() + " to " + pw.outChannels()
          + " channels, " + d + " branch " + dense.inChannels() + " to " + dense.outChannels());
    }
  }

  /** The value a branch hands to the sum must be read by the sum alone, or the rewrite loses it. */
  private static void checkOnlyReadBySum(Graph g, Site site, Branch b) throws PatternRefused {
    if (b.value().equals(site.input())) {
      return; // the block input itself: of course the convs read it too
    }
    Node reader = GraphQueries.soleConsumer(g, b.value());
    if (reader == null || !site.adds().contains(reader)) {
      throw new PatternRefused("branch output '" + b.value() + "' is also read outside the sum");
    }
  }

  private static String kernel(ConvAttributes c) {
    return c.kernelHeight() + "x" + c.kernelWidth();
  }

  private static String dilation(ConvAttributes c) {
    int[] d = c.dilations();
    return d[0] == d[1] ? Integer.toString(d[0]) : Arrays.toString(d);
  }

  private static String quoted(List<String> values) {
    return "'" + String.join("', '", values) + "'";
  }
}
