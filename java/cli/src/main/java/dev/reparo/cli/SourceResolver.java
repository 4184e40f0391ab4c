package dev.reparo.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Resolves the image forms of {@code detect --source} beyond a file or folder: a glob
 * ({@code 'imgs/*.jpg'}, {@code 'data/**}{@code /*.png'}), a {@code .txt} file listing images
 * one a line (paths relative to the list file, or http(s) URLs; blank lines and {@code #}
 * comments skipped), and an {@code http://} or {@code https://} image URL, fetched when its turn
 * comes. Video URLs ({@link #isVideoUrl}) are left to FFmpeg. Errors name the source, and a list
 * file's line. Stateless and thread-safe.
 */
final class SourceResolver {
  /** Largest image fetched from a URL. */
  static final long MAX_DOWNLOAD_BYTES = 256L << 20;
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** One image to read: a local file, or a URL ({@code file} is then the URL's file name). */
  record ImageRef(Path file, URI url) {
    static ImageRef of(Path file) {
      return new ImageRef(file, null);
    }

    static ImageRef of(URI url) {
      String p = url.getPath() == null ? "" : url.getPath();
      String name = p.substring(p.lastIndexOf('/') + 1);
      return new ImageRef(Path.of(name.isEmpty() ? url.getHost() : name), url);
    }

    /** What the output lines call it. */
    String name() {
      return url != null ? url.toString() : file.toString();
    }
  }

  private SourceResolver() {}

  /**
   * The images {@code source} names if it is a URL, a glob or a list file; null if it is none
   * of these (a file, folder, video or camera, for {@link FrameSource#open}).
   */
  static List<ImageRef> resolve(String source) throws IOException {
    if (isVideoUrl(source)) {
      return null;
    }
    if (isHttp(source)) {
      return List.of(ImageRef.of(uri(source, source)));
    }
    Path path;
    try {
      path = Path.of(source);
    } catch (InvalidPathException e) {
      path = null;
    }
    if (path != null && Files.exists(path)) {
      return Files.isRegularFile(path) && source.toLowerCase(Locale.ROOT).endsWith(".txt") ? readList(path) : null;
    }
    if (source.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{')) {
      return glob(source);
    }
    return null;
  }

  /** Extensions of an http(s) URL that FFmpeg reads as a video, not fetched as an image. */
  static final List<String> VIDEO_EXTENSIONS =
      List.of(".mp4", ".m4v", ".mkv", ".webm", ".avi", ".mov", ".flv", ".ts", ".m3u8", ".mpg", ".mpeg");

  /** A stream for FFmpeg: rtsp, rtmp, srt, ..., or an http(s) URL whose path ends as a video does. */
  static boolean isVideoUrl(String s) {
    String l = s.toLowerCase(Locale.ROOT);
    if (l.matches("(rtsps?|rtmps?|srt|udp|tcp)://.*")) {
      return true;
    }
    if (!isHttp(s)) {
      return false;
    }
    String path;
    try {
      path = new URI(s).getPath();
    } catch (URISyntaxException e) {
      return false;
    }
    String p = path == null ? "" : path.toLowerCase(Locale.ROOT);
    return VIDEO_EXTENSIONS.stream().anyMatch(p::endsWith);
  }

  static boolean isHttp(String s) {
    String l = s.toLowerCase(Locale.ROOT);
    return l.startsWith("http://") || l.startsWith("https://");
  }

  private static URI uri(String s, String where) {
    try {
      URI u = new URI(s);
      if (u.getHost() == null) {
        throw new CliException(where + ": no host in URL " + s);
      }
      return u;
    } catch (URISyntaxException e) {
      throw new CliException(where + ": not a valid URL: " + e.getMessage());
    }
  }

  /** A list file: one image path (relative to the list's folder) or URL a line. */
  static List<ImageRef> readList(Path list) throws IOException {
    List<ImageRef> out = new ArrayList<>();
    List<String> lines = Files.readAllLines(list);
    Path dir = list.toAbsolutePath().getParent();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      String where = list + ":" + (i + 1);
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (isHttp(line)) {
        out.add(ImageRef.of(uri(line, where)));
        continue;
      }
      Path p = dir.resolve(line);
      if (!Files.isRegularFile(p)) {
        throw new CliException(where + ": no such image file " + line);
      }
      if (!isImage(p)) {
        throw new CliException(where + ": " + line + " is not an image (" + String.join(" ", DetectCommand.IMAGE_EXTENSIONS) + ")");
      }
      out.add(ImageRef.of(p));
    }
    if (out.isEmpty()) {
      throw new CliException(list + ": lists no images");
    }
    return out;
  }

  /** The images a glob matches, sorted; the glob's leading plain folders are where the search starts. */
  static List<ImageRef> glob(String pattern) throws IOException {
    String norm = pattern.replace('\\', '/');
    String[] parts = norm.split("/");
    int plain = 0;
    while (plain < parts.length - 1 && parts[plain].chars().noneMatch(c -> "*?[{".indexOf(c) >= 0)) {
      plain++;
    }
    String base = String.join("/", java.util.Arrays.copyOfRange(parts, 0, plain));
    Path root = base.isEmpty() ? Path.of(norm.startsWith("/") ? "/" : ".") : Path.of(norm.startsWith("/") ? "/" + base : base);
    String rest = String.join("/", java.util.Arrays.copyOfRange(parts, plain, parts.length));
    if (!Files.isDirectory(root)) {
      throw new CliException(pattern + ": no such folder " + root);
    }
    PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + rest);
    int depth = rest.contains("**") ? Integer.MAX_VALUE : parts.length - plain;
    try (Stream<Path> s = Files.walk(root, depth)) {
      List<ImageRef> found = s.filter(Files::isRegularFile).filter(p -> m.matches(root.relativize(p)))
          .filter(SourceResolver::isImage).sorted().map(ImageRef::of).toList();
      if (found.isEmpty()) {
        throw new CliException(pattern + ": matches no images (" + String.join(" ", DetectCommand.IMAGE_EXTENSIONS) + ")");
      }
      return found;
    }
  }

  static boolean isImage(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return DetectCommand.IMAGE_EXTENSIONS.stream().anyMatch(n::endsWith);
  }

  private static final class Http {
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(TIMEOUT)
        .followRedirects(HttpClient.Redirect.NORMAL).build();
  }

  /**
   * The body of a GET of {@code url}.
   *
   * @throws CliException naming the URL for a non-200 status, a body over {@link
   *     #MAX_DOWNLOAD_BYTES} or a failed connection
   */
  static byte[] fetch(URI url) throws IOException {
    HttpRequest req = HttpRequest.newBuilder(url).timeout(TIMEOUT).GET().build();
    HttpResponse<InputStream> resp;
    try {
      resp = Http.CLIENT.send(req, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(url + ": interrupted while downloading");
    } catch (IOException e) {
      throw new CliException(url + ": cannot download: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
    }
    try (InputStream in = resp.body()) {
      if (resp.statusCode() != 200) {
        throw new CliException(url + ": HTTP " + resp.statusCode());
      }
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      byte[] chunk = new byte[1 << 16];
      for (int n; (n = in.read(chunk)) > 0; ) {
        buf.write(chunk, 0, n);
        if (buf.size() > MAX_DOWNLOAD_BYTES) {
          throw new CliException(url + ": larger than " + (MAX_DOWNLOAD_BYTES >> 20) + " MB, not an image to fetch");
        }
      }
      return buf.toByteArray();
    }
  }
}
