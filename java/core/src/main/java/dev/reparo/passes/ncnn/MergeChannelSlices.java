package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.intsParam;
import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.layer;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.passes.GraphPass;
import dev.reparo.passes.PassLog;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recognises a channel split and makes it one Slice layer.
 *
 * <p>Pattern (PyTorch's {@code x.chunk(2, dim=1)} exported as two Slices): two or more channel
 * Crops ({@code axes=[0]}) of one blob whose ranges tile its channels {@code [0, C)} exactly.
 * Rewrite: {@code Slice(slices=[sizes], axis=0)} with one top per crop, in channel order.
 * Stateless and thread-safe.
 */
public final class MergeChannelSlices implements GraphPass {
  @Override
  public String name() {
    return "ncnn-channel-split";
  }

  @Override
  public void run(Graph graph, PassLog log) {
    Map<String, List<Node>> cropsBySource = new LinkedHashMap<>();
    for (Node n : graph.nodes()) {
      long[] axes = is(n, "Crop") ? intsParam(n, 11) : null;
      if (axes != null && axes.length == 1 && axes[0] == 0) {
        cropsBySource.computeIfAbsent(n.input(0), k -> new ArrayList<>()).add(n);
      }
    }
    for (Map.Entry<String, List<Node>> e : cropsBySource.entrySet()) {
      List<Node> crops = new ArrayList<>(e.getValue());
      if (crops.size() < 2) {
        continue;
      }
      ValueInfo info = graph.valueInfo(e.getKey());
      Shape s = info == null ? Shape.unknown() : info.shape();
      if (!s.hasRank() || s.rank() < 2 || !s.dim(1).isKnown()) {
        log.refused(crops.get(0).name(), "the channel count of '" + e.getKey() + "' is unknown");
        continue;
      }
      long channels = s.dim(1).value();
      crops.sort(Comparator.comparingLong(c -> intsParam(c, 9)[0]));
      long next = 0;
      long[] sizes = new long[crops.size()];
      for (int i = 0; i < crops.size(); i++) {
        long start = intsParam(crops.get(i), 9)[0];
        long end = intsParam(crops.get(i), 10)[0];
        sizes[i] = end - start;
        next = start == next ? end : -1;
      }
      if (next != channels) {
        log.refused(crops.get(0).name(), "the crops of '" + e.getKey() + "' do not tile its "
            + channels + " channels");
        continue;
      }
      List<String> tops = crops.stream().map(c -> c.output(0)).toList();
      Node first = crops.stream().min(Comparator.comparingInt(c -> graph.nodes().indexOf(c))).orElseThrow();
      Node slice = layer("Slice", first.name()).inputs(e.getKey()).outputs(tops.toArray(String[]::new))
          .intsAttr("0", sizes).intAttr("1", 0).build();
      graph.replaceNode(first, slice);
      for (Node c : crops) {
        if (c != first) {
          graph.removeNode(c);
        }
      }
      log.rewrote(first.name());
    }
  }
}
