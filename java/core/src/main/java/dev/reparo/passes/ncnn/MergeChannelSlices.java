package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.intsParam;
import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.layer;

import dev.reparo.format.ncnn.NcnnParams;
import dev.reparo.format.ncnn.NcnnParams.Crop;
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
 * Recognises a split along one axis and makes it one Slice layer.
 *
 * <p>Pattern: two or more Crops of one blob along the same single axis whose ranges tile that axis
 * {@code [0, n)} exactly: PyTorch's {@code x.chunk(2, dim=1)} exported as two Slices (channels), or
 * a decoded YOLO head taking xy, wh and the scores from the last axis (as pnnx also merges them).
 * Rewrite: {@code Slice(slices=[sizes], axis)} with one top per crop, in axis order; the blob then
 * needs no Split for the crops. Stateless and thread-safe.
 */
public final class MergeChannelSlices implements GraphPass {
  @Override
  public String name() {
    return "ncnn-channel-split";
  }

  @Override
  public void run(Graph graph, PassLog log) {
    Map<List<Object>, List<Node>> cropsBySourceAndAxis = new LinkedHashMap<>();
    for (Node n : graph.nodes()) {
      long[] axes = is(n, "Crop") ? intsParam(n, Crop.AXES) : null;
      if (axes != null && axes.length == 1 && axes[0] >= 0) {
        cropsBySourceAndAxis.computeIfAbsent(List.of(n.input(0), axes[0]), k -> new ArrayList<>()).add(n);
      }
    }
    for (Map.Entry<List<Object>, List<Node>> e : cropsBySourceAndAxis.entrySet()) {
      List<Node> crops = new ArrayList<>(e.getValue());
      if (crops.size() < 2) {
        continue;
      }
      String source = (String) e.getKey().get(0);
      int axis = Math.toIntExact((Long) e.getKey().get(1));
      ValueInfo info = graph.valueInfo(source);
      Shape s = info == null ? Shape.unknown() : info.shape();
      if (!s.hasRank() || s.rank() < axis + 2 || !s.dim(axis + 1).isKnown()) {
        log.refused(crops.get(0).name(), "the extent of axis " + axis + " of '" + source + "' is unknown");
        continue;
      }
      long channels = s.dim(axis + 1).value();
      crops.sort(Comparator.comparingLong(c -> intsParam(c, Crop.STARTS)[0]));
      long next = 0;
      long[] sizes = new long[crops.size()];
      for (int i = 0; i < crops.size(); i++) {
        long start = intsParam(crops.get(i), Crop.STARTS)[0];
        long end = intsParam(crops.get(i), Crop.ENDS)[0];
        sizes[i] = end - start;
        next = start == next ? end : -1;
      }
      if (next != channels) {
        log.refused(crops.get(0).name(), "the crops of '" + source + "' do not tile the " + channels
            + " of its axis " + axis);
        continue;
      }
      List<String> tops = crops.stream().map(c -> c.output(0)).toList();
      Node first = crops.stream().min(Comparator.comparingInt(c -> graph.nodes().indexOf(c))).orElseThrow();
      Node slice = layer("Slice", first.name()).inputs(source).outputs(tops.toArray(String[]::new))
          .intsAttr(NcnnParams.Slice.SLICES, sizes).intAttr(NcnnParams.Slice.AXIS, axis).build();
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
