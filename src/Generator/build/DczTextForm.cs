// The text form of a binary .dcz file, shared by the build logic and the generator.
//
// Roslyn refuses binary AdditionalFiles (CS2015) and a generator may not read files, so the build
// logic (EmbeddedNets.Generator.targets) converts every .dcz listed in AdditionalFiles into this
// text form under obj/ and hands that to the compiler instead. The same file is compiled into the
// generator (which decodes) and, through RoslynCodeTaskFactory, into the build task (which
// encodes), so the two sides cannot disagree.
//
// This file must compile for netstandard2.0 with no implicit usings and no other source file:
// RoslynCodeTaskFactory compiles it on its own (hence block namespaces and explicit usings).
#pragma warning disable IDE0005, IDE0161
using System;
using System.Globalization;
using System.Text;

namespace EmbeddedNets.Generator
{
    /// <summary>
    /// Encodes and decodes the text form: a header line
    /// <c>EmbeddedNets.DczText 1 length=N</c>, then the file's N bytes as base64 in lines of 76
    /// characters, each ending in <c>\n</c>.
    /// </summary>
    internal static class DczTextForm
    {
        /// <summary>First word of the header line.</summary>
        public const string Magic = "EmbeddedNets.DczText";

        /// <summary>Version of the text form (not of the .dcz format it carries).</summary>
        public const int Version = 1;

        /// <summary>File name suffix of text forms; the build logic names them <c>name.hash.dcz.txt</c>.</summary>
        public const string Suffix = ".dcz.txt";

        /// <summary>The largest .dcz file the format allows (256 MiB).</summary>
        public const int MaxBytes = 256 * 1024 * 1024;

        private const int LineLength = 76;

        /// <summary>The text form of <paramref name="bytes"/>. Same bytes → same text.</summary>
        public static string Encode(byte[] bytes)
        {
            if (bytes == null)
            {
                throw new ArgumentNullException(nameof(bytes));
            }

            string base64 = Convert.ToBase64String(bytes);
            var text = new StringBuilder(base64.Length + (base64.Length / LineLength) + 64);
            text.Append(Magic).Append(' ')
                .Append(Version.ToString(CultureInfo.InvariantCulture))
                .Append(" length=")
                .Append(bytes.Length.ToString(CultureInfo.InvariantCulture))
                .Append('\n');
            for (int i = 0; i < base64.Length; i += LineLength)
            {
                text.Append(base64, i, Math.Min(LineLength, base64.Length - i)).Append('\n');
            }

            return text.ToString();
        }

        /// <summary>
        /// Decodes a text form. Returns false with a reason when <paramref name="text"/> is not a
        /// text form of this version or is damaged.
        /// </summary>
        public static bool TryDecode(string text, out byte[] bytes, out string error)
        {
            bytes = Array.Empty<byte>();
            if (text == null)
            {
                error = "no text";
                return false;
            }

            int newline = text.IndexOf('\n');
            string header = (newline < 0 ? text : text.Substring(0, newline)).TrimEnd('\r');
            string[] words = header.Split(' ');
            if (words.Length != 3 || !string.Equals(words[0], Magic, StringComparison.Ordinal))
            {
                error = "the first line is not an '" + Magic + "' header";
                return false;
            }

            if (!string.Equals(words[1], Version.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
            {
                error = "text form version " + words[1] + " is not version " + Version.ToString(CultureInfo.InvariantCulture) + " (the build logic and the generator come from different versions)";
                return false;
            }

            const string LengthPrefix = "length=";
            if (!words[2].StartsWith(LengthPrefix, StringComparison.Ordinal)
                || !int.TryParse(words[2].Substring(LengthPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int length)
                || length > MaxBytes)
            {
                error = "the header's length field '" + words[2] + "' is not a byte count of at most " + MaxBytes.ToString(CultureInfo.InvariantCulture);
                return false;
            }

            string body = newline < 0 ? string.Empty : text.Substring(newline + 1);
            try
            {
                bytes = Convert.FromBase64String(body);
            }
            catch (FormatException)
            {
                error = "the body is not valid base64";
                return false;
            }

            if (bytes.Length != length)
            {
                error = "the body holds " + bytes.Length.ToString(CultureInfo.InvariantCulture) + " bytes but the header says " + length.ToString(CultureInfo.InvariantCulture);
                bytes = Array.Empty<byte>();
                return false;
            }

            error = string.Empty;
            return true;
        }
    }
}

#if !EMBEDDEDNETS_GENERATOR
namespace EmbeddedNets.Generator.Build
{
    using System.IO;
    using Microsoft.Build.Framework;
    using Microsoft.Build.Utilities;

    /// <summary>
    /// Writes the text form of each .dcz in <see cref="Sources"/> to its <c>DczTextPath</c>
    /// metadata, only when the text changed (temp file + rename), so an unchanged model does not
    /// make the compiler run again. (The targets touch a stamp file for MSBuild's Inputs/Outputs.)
    /// </summary>
    public sealed class EmbeddedNetsWriteDczText : Task
    {
        /// <summary>The .dcz items; each carries DczTextPath (where its text form goes).</summary>
        [Required]
        public ITaskItem[] Sources { get; set; } = Array.Empty<ITaskItem>();

        /// <inheritdoc/>
        public override bool Execute()
        {
            foreach (ITaskItem item in Sources)
            {
                string source = item.GetMetadata("FullPath");
                string target = item.GetMetadata("DczTextPath");
                try
                {
                    WriteOne(source, target);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is NotSupportedException || ex is ArgumentException)
                {
                    Log.LogError(null, "DCZ100", null, source, 0, 0, 0, 0,
                        "EmbeddedNets could not turn '{0}' into its text form '{1}': {2}", source, target, ex.Message);
                }
            }

            return !Log.HasLoggedErrors;
        }

        private void WriteOne(string source, string target)
        {
            var info = new FileInfo(source);
            if (!info.Exists)
            {
                Log.LogError(null, "DCZ100", null, source, 0, 0, 0, 0, "The model file '{0}' listed in AdditionalFiles does not exist.", source);
                return;
            }

            if (info.Length > DczTextForm.MaxBytes)
            {
                Log.LogError(null, "DCZ100", null, source, 0, 0, 0, 0,
                    "The model file '{0}' is {1} bytes; a .dcz file is at most {2} bytes.", source, info.Length, DczTextForm.MaxBytes);
                return;
            }

            string text = DczTextForm.Encode(File.ReadAllBytes(source));
            if (File.Exists(target) && string.Equals(File.ReadAllText(target), text, StringComparison.Ordinal))
            {
                return;
            }

            string directory = Path.GetDirectoryName(target);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            string temp = target + "." + Guid.NewGuid().ToString("N") + ".tmp";
            try
            {
                File.WriteAllText(temp, text, new UTF8Encoding(false));
                if (File.Exists(target))
                {
                    File.Replace(temp, target, null);
                }
                else
                {
                    File.Move(temp, target);
                }
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }

            Log.LogMessage(MessageImportance.Low, "EmbeddedNets: wrote the text form of '{0}' to '{1}'.", source, target);
        }
    }
}
#endif
