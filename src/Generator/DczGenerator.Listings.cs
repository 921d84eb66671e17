using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace EmbeddedNets.Generator;

/// <summary>How often one model file is listed in AdditionalFiles, as the compiler shows it.</summary>
/// <param name="OriginalPath">The user's .dcz (DczOriginalPath metadata, or the text's own path).</param>
/// <param name="Listings">The build logic's count of items naming that file (DczListings metadata; 1 when absent).</param>
internal sealed record DczListing(string OriginalPath, int Listings);

public sealed partial class DczGenerator
{
    private static DczListing Listing(AdditionalText text, AnalyzerConfigOptionsProvider optionsProvider)
    {
        AnalyzerConfigOptions options = optionsProvider.GetOptions(text);
        string originalPath = options.TryGetValue(MetadataPrefix + "DczOriginalPath", out string? path) && !string.IsNullOrWhiteSpace(path) ? path.Trim() : text.Path;
        int listings = options.TryGetValue(MetadataPrefix + "DczListings", out string? count)
            && int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : 1;
        return new DczListing(originalPath, listings);
    }

    /// <summary>
    /// DCZ009 for every file listed more than once, in path order. The compiler passes one text per
    /// path, so the count comes from the build logic (DczListings); hosts that pass every listing
    /// as its own text are counted too.
    /// </summary>
    private static IEnumerable<DiagnosticInfo> ListedMoreThanOnce(ImmutableArray<DczListing> listings)
    {
        foreach (IGrouping<string, DczListing> file in listings.GroupBy(l => l.OriginalPath, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            int times = Math.Max(file.Count(), file.Max(l => l.Listings));
            if (times > 1)
            {
                yield return new DiagnosticInfo(
                    DiagnosticDescriptors.ListedMoreThanOnce.Id,
                    file.Key,
                    EquatableArray.From(new[] { file.Key, times.ToString(CultureInfo.InvariantCulture) }));
            }
        }
    }
}
