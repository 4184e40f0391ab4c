package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.layer;

import dev.reparo.graph.Graph;
import dev.reparo.graph.NameAllocator;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import dev.reparo.passes.GraphPass;
import dev.reparo.passes.PassLog;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Gives every blob at most one reader, as ncnn requires: a blob read by several layers gets a
 * Split layer right after its producer with one top per reader ({@code <blob>_splitncnn_<i>}).
 * Weights (initializers) are not blobs and are left alone. Stateless and thread-safe.
 */
public final class SplitSharedBlobs implements GraphPass {
  @Override
  public String name() {
    return "ncnn-split-shared-blobs";
  }

  @Override
  public void run(Graph graph, PassLog log) {
    List<Node> nodes = graph.nodes();
    Map<String, List<Integer>> readers = new LinkedHashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      for (String in : new LinkedHashSet<>(nodes.get(i).inputs())) {
        if (!in.isEmpty() && graph.initializer(in) == null) {
          readers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
        }
      }
    }
    List<Map<String, String>> renames = new ArrayList<>();
    nodes.forEach(n -> renames.add(new HashMap<>()));
    Map<String, Node> splitAfter = new LinkedHashMap<>(); // producer output -> its Split
    NameAllocator names = graph.names();
    for (Map.Entry<String, List<Integer>> e : readers.entrySet()) {
      List<Integer> at = e.getValue();
      if (at.size() < 2) {
        continue;
      }
      String blob = e.getKey();
      String[] tops = new String[at.size()];
      ValueInfo info = graph.valueInfo(blob);
      for (int i = 0; i < tops.length; i++) {
        tops[i] = names.fresh(blob + "_splitncnn_" + i);
        renames.get(at.get(i)).put(blob, tops[i]);
        if (info != null) {
          graph.putValueInfo(info.withName(tops[i]));
        }
      }
      splitAfter.put(blob, layer("Split", names.fresh("splitncnn_" + blob)).inputs(blob).outputs(tops).build());
      log.rewrote(blob);
    }
    if (splitAfter.isEmpty()) {
      return;
    }
    List<Node> result = new ArrayList<>();
    for (ValueInfo in : graph.inputs()) {
      Node split = splitAfter.get(in.name());
      if (split != null) {
        result.add(split);
      }
    }
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      Map<String, String> r = renames.get(i);
      if (!r.isEmpty()) {
        List<String> inputs = new ArrayList<>(n.inputs());
        inputs.replaceAll(v -> r.getOrDefault(v, v));
        n = n.withInputs(inputs);
      }
      result.add(n);
      for (String out : n.outputs()) {
        Node split = splitAfter.get(out);
        if (split != null) {
          result.add(split);
        }
      }
    }
    graph.setNodes(result);
  }
}
