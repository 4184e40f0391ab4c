package dev.reparo.data;

import dev.reparo.InvalidInputException;
import dev.reparo.Progress;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Writes a synthetic COCO dataset: {@code images/NNNNNN.jpg} (JPEG quality 95, so a model
 * trained on it has seen real compression artefacts) and {@code annotations.json}, plus the same
 * boxes in the Ultralytics layout ({@code labels/NNNNNN.txt}, {@code data.yaml}).
 *
 * <p>Image {@code i} has COCO id {@code i + 1}; category ids are the class indices 0–5 of
 * {@link ShapeClass}; {@code bbox} is the tight box of the shape as drawn (before later objects
 * partly cover it), {@code area} the shape's exact area.
 *
 * <p>The dataset is written into a temporary folder next to the target and renamed into place at
 * the end, so a crash never leaves a half-written dataset under the target name. Instances are
 * immutable and thread-safe; concurrent writes to the same target fail on the rename.
 */
public final class SyntheticDataset {
  /** JPEG quality used for every image. */
  public static final float JPEG_QUALITY = 0.95f;
  public static final String ANNOTATIONS = "annotations.json";
  public static final String IMAGES = "images";
  /** The YOLO layout of the same boxes: {@code labels/*.txt} and {@code data.yaml}. */
  public static final String LABELS = "labels";
  public static final String DATA_YAML = "data.yaml";

  private final SceneGenerator generator;

  /** The {@link SceneStyle#CLASSIC} scenes of {@code seed}. */
  public SyntheticDataset(long seed) {
    this(seed, SceneStyle.CLASSIC);
  }

  public SyntheticDataset(long seed, SceneStyle style) {
    this.generator = new SceneGenerator(seed, style);
  }

  /** The file name of image {@code index}. */
  public static String fileName(int index) {
    return String.format("%06d.jpg", index);
  }

  /**
   * Generates {@code count} images into the folder {@code out}, which must not exist or be empty.
   *
   * @param progress told after each image (phase "images"), on the writing thread; may be null
   * @throws InvalidInputException if {@code count} is not positive or {@code out} is a file or a
   *     non-empty folder
   */
  public void write(Path out, int count, Progress progress) {
    if (count < 1) {
      throw new InvalidInputException("image count must be at least 1, got " + count);
    }
    Path target = out.toAbsolutePath().normalize();
    checkTarget(target);
    Path parent = target.getParent();
    Path temp;
    try {
      Files.createDirectories(parent);
      temp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary folder in " + parent, e);
    }
    boolean moved = false;
    try {
      Path images = Files.createDirectory(temp.resolve(IMAGES));
      CocoDataset annotations = writeImages(images, count, progress);
      try (OutputStream json = Files.newOutputStream(temp.resolve(ANNOTATIONS))) {
        annotations.write(json);
      }
      writeYoloLayout(temp, annotations);
      if (Files.isDirectory(target)) {
        Files.delete(target); // empty, checked above; a concurrent writer makes this throw
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      moved = true;
    } catch (DirectoryNotEmptyException | FileAlreadyExistsException e) {
      throw new InvalidInputException(target + " appeared while the dataset was being written");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the dataset to " + target, e);
    } finally {
      if (!moved) {
        deleteQuietly(temp);
      }
    }
  }

  private CocoDataset writeImages(Path images, int count, Progress progress) throws IOException {
    List<CocoDataset.Image> imageRecords = new ArrayList<>(count);
    List<CocoDataset.Annotation> annotationRecords = new ArrayList<>();
    ImageWriter writer = jpegWriter();
    try {
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(JPEG_QUALITY);
      for (int i = 0; i < count; i++) {
        Scene scene = generator.generate(i);
        String name = fileName(i);
        Path file = images.resolve(name);
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(file.toFile())) {
          writer.setOutput(stream);
          writer.write(null, new IIOImage(scene.image(), null, null), param);
        }
        long imageId = i + 1L;
        imageRecords.add(new CocoDataset.Image(imageId, name, scene.image().getWidth(),
            scene.image().getHeight()));
        for (SceneObject object : scene.objects()) {
          Box b = object.box();
          annotationRecords.add(new CocoDataset.Annotation(annotationRecords.size() + 1L, imageId,
              object.shapeClass().index(),
              new double[] {round(b.x()), round(b.y()), round(b.width()), round(b.height())},
              round(object.geometry().area()), 0));
        }
        if (progress != null) {
          progress.step("images", i + 1, count);
        }
      }
    } finally {
      writer.dispose();
    }
    List<CocoDataset.Category> categories = new ArrayList<>();
    for (ShapeClass c : ShapeClass.values()) {
      categories.add(new CocoDataset.Category(c.index(), c.label(), "shape"));
    }
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("description", "Reparo synthetic shapes");
    info.put("seed", generator.seed());
    if (generator.style() != SceneStyle.CLASSIC) { // classic files stay byte-identical to before
      info.put("style", generator.style().label());
    }
    info.put("images", count);
    return new CocoDataset(info, imageRecords, annotationRecords, categories);
  }

  /**
   * The same boxes in the Ultralytics layout: {@code labels/<image>.txt} (class cx cy w h,
   * normalized) and a {@code data.yaml} whose splits are all of {@code images/}.
   */
  private static void writeYoloLayout(Path dir, CocoDataset data) throws IOException {
    Path labels = Files.createDirectory(dir.resolve(LABELS));
    Map<Long, StringBuilder> lines = new LinkedHashMap<>();
    Map<Long, CocoDataset.Image> images = new LinkedHashMap<>();
    for (CocoDataset.Image image : data.images()) {
      images.put(image.id(), image);
      lines.put(image.id(), new StringBuilder());
    }
    for (CocoDataset.Annotation a : data.annotations()) {
      CocoDataset.Image image = images.get(a.imageId());
      double[] b = a.bbox();
      lines.get(a.imageId()).append(a.categoryId()).append(' ')
          .append((b[0] + b[2] / 2) / image.width()).append(' ').append((b[1] + b[3] / 2) / image.height()).append(' ')
          .append(b[2] / image.width()).append(' ').append(b[3] / image.height()).append('\n');
    }
    for (CocoDataset.Image image : data.images()) {
      String txt = image.fileName().replaceAll("\\.[^.]+$", "") + ".txt";
      Files.writeString(labels.resolve(txt), lines.get(image.id()));
    }
    StringBuilder yaml = new StringBuilder("# Reparo synthetic shapes: the boxes of " + ANNOTATIONS + " in the YOLO layout\n"
        + "path: .\ntrain: " + IMAGES + "\nval: " + IMAGES + "\nnames:\n");
    for (CocoDataset.Category c : data.categories()) {
      yaml.append("  ").append(c.id()).append(": ").append(c.name()).append('\n');
    }
    Files.writeString(dir.resolve(DATA_YAML), yaml);
  }

  private static ImageWriter jpegWriter() {
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
    if (!writers.hasNext()) {
      throw new IllegalStateException("this JVM has no JPEG image writer");
    }
    return writers.next();
  }

  /** Two decimals: sub-pixel detail beyond that is noise in a box. */
  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static void checkTarget(Path target) {
    if (Files.isRegularFile(target)) {
      throw new InvalidInputException(target + " is a file, not a folder");
    }
    if (Files.isDirectory(target)) {
      try (Stream<Path> entries = Files.list(target)) {
        if (entries.findAny().isPresent()) {
          throw new InvalidInputException(target + " exists and is not empty");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort: a leftover temporary folder is harmless and visibly named
    }
  }
}
